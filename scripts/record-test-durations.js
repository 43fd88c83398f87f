// Writes test/durations.json (test file → seconds) from a Jest --json result file: the order
// test/support/sequencer.js starts files in when Jest has no cache of its own (a fresh clone, CI).
//   RECORD_TEST_DURATIONS=1 ./scripts/test     (a full run records it; a partial one merges)
const { readFileSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');

const root = join(__dirname, '..');
const out = join(root, 'test', 'durations.json');
const results = JSON.parse(readFileSync(process.argv[2], 'utf8'));
let durations = {};
try {
  durations = JSON.parse(readFileSync(out, 'utf8'));
} catch {}
for (const file of results.testResults) {
  const seconds = (file.endTime - file.startTime) / 1000;
  if (Number.isFinite(seconds) && seconds > 0) durations[relative(root, file.name).split('\\').join('/')] = Math.round(seconds);
}
const sorted = Object.fromEntries(Object.entries(durations).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(out, `${JSON.stringify(sorted, null, 2)}\n`);
console.log(`recorded the durations of ${results.testResults.length} test files in ${relative(root, out)}`);
