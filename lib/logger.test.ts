import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger';

function capture(level = 'info') {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  return { lines, log: createLogger({ level, destination: sink }) };
}

/**
 * JSON.parse keeps the last of two equal keys without a word; log pipelines differ. This
 * reader (objects, arrays, strings, numbers, literals — all a log line holds) fails instead.
 */
function parseStrict(text: string): unknown {
  let i = 0;
  const ws = () => {
    while (/\s/.test(text[i] ?? '')) i++;
  };
  const fail = (what: string): never => {
    throw new Error(`${what} at ${i}: ${text.slice(Math.max(0, i - 30), i + 30)}`);
  };
  const str = (): string => {
    const m = /^"(?:[^"\\]|\\.)*"/.exec(text.slice(i)) ?? fail('string expected');
    i += m[0].length;
    return JSON.parse(m[0]) as string;
  };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const out: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') return i++, out;
      for (;;) {
        ws();
        const k = str();
        if (Object.hasOwn(out, k)) fail(`duplicate key "${k}"`);
        ws();
        if (text[i++] !== ':') fail('":" expected');
        out[k] = value();
        ws();
        const sep = text[i++];
        if (sep === '}') return out;
        if (sep !== ',') fail('"," or "}" expected');
      }
    }
    if (c === '[') {
      i++;
      const out: unknown[] = [];
      ws();
      if (text[i] === ']') return i++, out;
      for (;;) {
        out.push(value());
        ws();
        const sep = text[i++];
        if (sep === ']') return out;
        if (sep !== ',') fail('"," or "]" expected');
      }
    }
    if (c === '"') return str();
    const m = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i)) ?? fail('value expected');
    i += m[0].length;
    return JSON.parse(m[0]);
  };
  const v = value();
  ws();
  if (i !== text.length) fail('trailing text');
  return v;
}

describe('parseStrict (the test helper)', () => {
  it('reads what JSON.parse reads and refuses a repeated key, at any depth', () => {
    expect(parseStrict('{"a":[1,-2.5e3,"x\\"y",true,null,{}],"b":{"c":false}}')).toEqual({ a: [1, -2500, 'x"y', true, null, {}], b: { c: false } });
    expect(() => parseStrict('{"a":1,"a":2}')).toThrow('duplicate key "a"');
    expect(() => parseStrict('{"b":{"a":1,"a":1}}')).toThrow('duplicate key "a"');
  });
});

describe('createLogger', () => {
  it('writes JSON lines and redacts secrets wherever they sit', () => {
    const { lines, log } = capture();
    log.info(
      {
        password: 'p1',
        token: 't1',
        config: { read_conn: { host: 'h', password: 'p2' }, target: { password: 'p3' } },
        req: { headers: { authorization: 'Bearer t2', cookie: 'ri_session=s' } },
        endpoint: 'redis-source',
      },
      'endpoint created',
    );
    const out = lines.join('');
    for (const secret of ['p1', 'p2', 'p3', 't1', 'Bearer t2', 'ri_session=s']) expect(out).not.toContain(secret);
    const rec = JSON.parse(lines[0]!);
    expect(rec).toMatchObject({ msg: 'endpoint created', endpoint: 'redis-source', password: '[redacted]', config: { read_conn: { host: 'h', password: '[redacted]' } } });
  });

  it('child loggers never repeat a key: components nest, other keys take the child value', () => {
    const { lines, log } = capture();
    // The chain a copy job's run logs through: server/context.ts → lib/copy-jobs/host.ts → lib/copy/run.ts → lib/copy/verify.ts.
    const jobs = log.child({ component: 'copy-jobs' });
    const job = jobs.child({ job: 'j1' });
    const run = job.child({ component: 'copy', run: 'r1' });
    const retry = run.child({ component: 'retry-error-keys', job: 'j2' });
    jobs.info('jobs');
    run.info({ keys: 3 }, 'batch restored');
    retry.warn('retrying');
    // The sibling made before the nested child keeps its own bindings.
    job.info('job again');

    const recs = lines.map((l) => parseStrict(l) as Record<string, unknown>);
    expect(recs.map((r) => [r.msg, r.component, r.job])).toEqual([
      ['jobs', 'copy-jobs', undefined],
      ['batch restored', 'copy-jobs/copy', 'j1'],
      ['retrying', 'copy-jobs/copy/retry-error-keys', 'j2'],
      ['job again', 'copy-jobs', 'j1'],
    ]);
    expect(recs[1]).toMatchObject({ app: 'redis-interlay-console', run: 'r1', keys: 3 });
    expect(run.bindings()).toEqual({ app: 'redis-interlay-console', component: 'copy-jobs/copy', job: 'j1', run: 'r1' });
  });

  it('children keep redaction and follow their parent level', () => {
    const { lines, log } = capture('warn');
    const child = log.child({ component: 'auth', password: 'hunter2' });
    child.info('not written at warn');
    child.child({ component: 'session' }).warn({ token: 'secret-token' }, 'written');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('hunter2');
    expect(lines[0]).not.toContain('secret-token');
    expect(parseStrict(lines[0]!)).toMatchObject({ component: 'auth/session', password: '[redacted]', token: '[redacted]' });
  });
});
