"""Runs one integration test case: run_case.py FILE CASE. A case is a module-level function
test_<name>(env) (or test_<name>() for cases that start their own server). Prints the
closing `N passed, N failed` line."""
import importlib.util
import inspect
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def main():
    path, case = sys.argv[1], sys.argv[2]
    spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    fn = getattr(mod, case)
    try:
        if inspect.signature(fn).parameters:
            fn(harness.Env.load())
        else:
            fn()
    except Exception:  # noqa: BLE001 - report any failure with its traceback
        traceback.print_exc()
        print(f"FAIL {case}\n0 passed, 1 failed")
        return 1
    print(f"ok   {case}\n1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
