# optdesk: a thin layer over CMake. `make run` and `make test` are the two commands of the
# README's quick start; both install missing Debian packages first (tools/install-deps.sh).
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=

.PHONY: all deps build run migrate test test-asan fuzz bench clean

all: build

deps:
	@bash tools/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DOPTDESK_ONLY="" $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

# The service on the embedded default: its own PostgreSQL in ./var/pg unless DATABASE_URL.
run: build
	./$(BUILD)/optdesk demo

migrate: build
	./$(BUILD)/optdesk migrate

# The whole suite: unit, fuzz-corpus replays, integration (real PostgreSQL + optdesk), e2e.
test: build
	cd $(BUILD) && ctest -j$(JOBS) --output-on-failure --timeout 600

# The same suite built with -fsanitize=address,undefined.
test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DOPTDESK_ONLY="" -DOPTDESK_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest -j$(JOBS) --output-on-failure --timeout 900

# libFuzzer harnesses (clang): money, JSON-RPC dispatcher, REST, config. FUZZ_SECONDS each.
FUZZ_SECONDS ?= 60
fuzz: deps
	@CC=clang CXX=clang++ cmake -S . -B build-fuzz -DOPTDESK_ONLY="" -DOPTDESK_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j$(JOBS) --target fuzz_money fuzz_jsonrpc fuzz_rest fuzz_config
	@for h in money jsonrpc rest config; do \
	  mkdir -p build-fuzz/corpus-$$h && \
	  ./build-fuzz/tests/fuzz/fuzz_$$h -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 \
	    build-fuzz/corpus-$$h tests/fuzz/corpus/$$h 2>&1 | grep -E "^#[0-9]+ *DONE|ERROR|SUMMARY" ; \
	done

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
