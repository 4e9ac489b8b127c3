// Validates AsyncAPI documents with @asyncapi/parser (the engine of `asyncapi validate`:
// the AsyncAPI JSON Schema plus its Spectral ruleset). Prints every diagnostic; exits 1 on
// any error or warning. Usage: node lint-asyncapi.mjs FILE...
import { readFileSync } from 'node:fs';
import { Parser, DiagnosticSeverity } from '@asyncapi/parser';

const names = ['error', 'warning', 'info', 'hint'];
const parser = new Parser();
let failed = false;
for (const file of process.argv.slice(2)) {
  const { document, diagnostics } = await parser.parse(readFileSync(file, 'utf8'), { source: file });
  let errors = 0;
  let warnings = 0;
  for (const d of diagnostics) {
    const where = d.range ? `${d.range.start.line + 1}:${d.range.start.character + 1}` : '?';
    console.log(`${file}:${where} ${names[d.severity]} ${d.code}: ${d.message} (${(d.path || []).join('.')})`);
    if (d.severity === DiagnosticSeverity.Error) errors++;
    if (d.severity === DiagnosticSeverity.Warning) warnings++;
  }
  console.log(`${file}: ${errors} errors, ${warnings} warnings${document ? '' : ' (could not be parsed)'}`);
  if (errors || warnings || !document) failed = true;
}
process.exit(failed ? 1 : 0);
