/**
 * Structured logging: a constant message with data in fields. Secrets are redacted
 * by path wherever they appear in a logged object.
 *
 * Child loggers never repeat a key. Pino appends a child's bindings to its parent's as
 * text, so `log.child({ component: 'copy-jobs' }).child({ component: 'copy' })` would
 * write `"component":"copy-jobs",…,"component":"copy"` — JSON that most log pipelines
 * read as whichever key came last. Here every child is made from the root with its
 * parent's bindings merged in: `component` nests (`"component":"copy-jobs/copy"`), any
 * other key bound again takes the child's value.
 */
import pino, { type Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  '*.*.*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'config.*.password',
  'config.*.*.password',
];

/** The key whose values nest (parent/child) instead of being replaced. */
const NESTED_KEY = 'component';
const BINDINGS = Symbol('merged bindings');

type Bindings = Record<string, unknown>;
type Tracked = Logger & { [BINDINGS]?: Bindings };

/** A child's bindings over its parent's: `component` joins with '/', other keys are replaced. */
export function mergeBindings(parent: Bindings, child: Bindings): Bindings {
  const out: Bindings = { ...parent, ...child };
  const p = parent[NESTED_KEY];
  const c = child[NESTED_KEY];
  if (p !== undefined && c !== undefined && p !== c) out[NESTED_KEY] = `${String(p)}/${String(c)}`;
  return out;
}

export function createLogger(opts: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  const root = pino(
    {
      level: opts.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { app: 'redis-interlay-console' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination,
  );
  const pinoChild = root.child as unknown as (this: Logger, bindings: Bindings, options?: pino.ChildLoggerOptions) => Logger;
  // Children inherit this `child` through their prototype chain (pino makes each child with
  // Object.create(parent)), so the rule holds at any depth.
  root.child = function child(this: Tracked, bindings: Bindings, options?: pino.ChildLoggerOptions) {
    const merged = mergeBindings(this[BINDINGS] ?? {}, bindings);
    const made = pinoChild.call(root, merged, options) as Tracked;
    made[BINDINGS] = merged;
    // A parent whose level was changed after creation hands its level on, as pino's own children do.
    if (options?.level === undefined && this.level !== root.level) made.level = this.level;
    return made;
  } as unknown as Logger['child'];
  return root;
}
