const { readFileSync } = require('node:fs');
const { join, relative } = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

/**
 * Jest's order (failed first, then longest first) with the durations of a recorded full run
 * (test/durations.json, written by scripts/record-test-durations.js) where Jest's own cache has
 * none. A fresh clone, as in CI, has no cache, and Jest then orders files by size: the browser-heavy
 * files are short (a table of hostile pages is 160 lines and takes four minutes), so they started
 * last and one of them ran alone on one of the two workers at the end of the run.
 */
const ROOT = join(__dirname, '..', '..');
const RECORDED = (() => {
  try {
    return /** @type {Record<string, number>} */ (JSON.parse(readFileSync(join(ROOT, 'test', 'durations.json'), 'utf8')));
  } catch {
    return {};
  }
})();

class RecordedDurationSequencer extends Sequencer {
  /**
   * Milliseconds: Jest's own figure, else the recorded one, else 0 (a file the record does not know
   * is taken to be short: Jest would start every file without a time first).
   * @param {import('@jest/test-result').Test} test
   */
  time(test) {
    const cached = super.time(test);
    if (cached !== undefined) return cached;
    const seconds = RECORDED[relative(ROOT, test.path).split('\\').join('/')];
    if (seconds !== undefined) return seconds * 1000;
    return Object.keys(RECORDED).length > 0 ? 0 : undefined;
  }
}

module.exports = RecordedDurationSequencer;
