import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger';

describe('createLogger', () => {
  it('writes JSON lines and redacts secrets wherever they sit', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const log = createLogger({ level: 'info', destination: sink });
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
});
