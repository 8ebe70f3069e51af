// `npm test`: the whole suite. Vitest (unit + integration against spawned redis-servers and
// PostgreSQL/embedded databases), then Playwright (end-to-end in Chromium). Ends with one
// line "N passed, N failed" over both, and exits non-zero if anything failed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { requireInstall } from './install-check.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
requireInstall(root, 'the tests');
fs.mkdirSync('.tmp', { recursive: true });
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const extra = process.argv.slice(2);
const only = (what) => extra.length === 0 || extra.includes(what);

let passed = 0;
let failed = 0;
let skipped = 0;
let crashed = false;

if (only('unit')) {
  const out = '.tmp/vitest-results.json';
  fs.rmSync(out, { force: true });
  const r = spawnSync(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`], { stdio: 'inherit' });
  if (fs.existsSync(out)) {
    const j = JSON.parse(fs.readFileSync(out, 'utf8'));
    passed += j.numPassedTests;
    failed += j.numFailedTests;
    skipped += j.numPendingTests + (j.numTodoTests ?? 0);
    // A file that failed to load has no tests counted: count it as a failure.
    for (const f of j.testResults ?? []) if (f.status === 'failed' && (f.assertionResults ?? []).length === 0) failed += 1;
  }
  if (r.status !== 0 && failed === 0) crashed = true;
}

if (only('e2e')) {
  const out = path.join(root, '.tmp/playwright-results.json');
  fs.rmSync(out, { force: true });
  const r = spawnSync(bin('playwright'), ['test', '--reporter=list,json'], { stdio: 'inherit', env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: out } });
  if (fs.existsSync(out)) {
    const s = JSON.parse(fs.readFileSync(out, 'utf8')).stats ?? {};
    passed += s.expected ?? 0;
    failed += (s.unexpected ?? 0) + (s.flaky ?? 0);
    skipped += s.skipped ?? 0;
  }
  if (r.status !== 0 && (!fs.existsSync(out))) crashed = true;
  else if (r.status !== 0 && failed === 0) crashed = true;
}

if (crashed) {
  console.error('A test runner exited with an error outside of any test (see above).');
  failed += 1;
}
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
