'use strict';

// A node:test reporter that prints one `PASS name` or `FAIL name: reason` line per top-level test,
// the format editors/vscode/test.sh counts.

module.exports = async function* reporter(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { name, nesting, details } = event.data;
    if (nesting !== 0) continue;
    if (event.type === 'test:pass') {
      yield `PASS ${name}\n`;
      continue;
    }
    const error = details?.error;
    const cause = error?.cause ?? error;
    const reason = String(cause?.message ?? cause ?? 'failed').split('\n').slice(0, 6).join('\n    ');
    yield `FAIL ${name}: ${reason}\n`;
  }
};
