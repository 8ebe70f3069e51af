// Node/V8 flags the console process runs with. `npm start` passes them; `scripts/start.mjs`
// re-executes itself with them when started without, and so does the interlay benchmark,
// so it measures the interlay as the console runs it.
//
// --initial-old-space-size=64: V8 starts incremental marking whenever the old generation's
// free room (its limit minus its size) is below the young generation's capacity (up to
// 16 MB). A proxy keeps little alive, so its old generation stays small, its limit follows
// it down and that is true almost always: under a 1 KB-value pipeline benchmark the interlay
// ran about 10 full mark-compacts a second (2-10 ms pauses each) on an 8 MB heap and spent
// about a third of its CPU in GC. With a 64 MB floor there were none and the interlay's
// user CPU per request fell by about 35%. The cost is up to 64 MB of old-generation garbage
// before the first full collection.
import { spawn } from 'node:child_process';

export const NODE_FLAGS = ['--initial-old-space-size=64'];

/**
 * When this process lacks NODE_FLAGS, runs the same script again with them (same arguments,
 * stdio, and loader flags such as tsx's), forwards SIGINT/SIGTERM to it and exits with its
 * status; the promise never settles then. Resolves at once when the flags are already there.
 */
export function ensureNodeFlags() {
  const missing = NODE_FLAGS.filter((f) => !process.execArgv.includes(f));
  if (missing.length === 0) return Promise.resolve();
  const child = spawn(process.execPath, [...missing, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
  return new Promise(() => {});
}
