// tsx turns `import x from './file.json' with { type: 'json' }` into an ES module with one
// named export per top-level key; @ioredis/commands' JSON has keys `eval` and `function`,
// which are not valid export names in strict mode ("Unexpected eval or arguments").
// This hook (registered after tsx, so it runs first) serves JSON files as a default export only.
import fs from 'node:fs';

export async function load(url, context, next) {
  if (url.startsWith('file:') && url.split('?')[0].endsWith('.json')) {
    const text = fs.readFileSync(new URL(url.split('?')[0]), 'utf8');
    return { format: 'module', source: `export default ${text};`, shortCircuit: true };
  }
  return next(url, context);
}
