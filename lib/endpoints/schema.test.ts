import { describe, expect, it } from 'vitest';
import { createEndpointSchema, resolveConns, updateEndpointSchema, type EndpointConfig } from './schema';

const issuesOf = (v: unknown) => {
  const r = createEndpointSchema.safeParse(v);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('endpoint config schema', () => {
  it('accepts the connections shape with defaults', () => {
    const r = createEndpointSchema.parse({ endpoint: 'redis-source', config: { read_conn: { host: 'r' }, write_conn: { host: 'w', tls: true, password: 'p' } } });
    const conns = resolveConns(r.config);
    expect(conns.read).toMatchObject({ host: 'r', port: 6379, tls: false, protocol: 2, db: 0 });
    expect(conns.write).toMatchObject({ host: 'w', port: 6380, tls: true, password: 'p' });
    expect(conns.admin).toBeUndefined();
    expect(r.config.connection_pool.multiplexed_connections).toBe(1);
    expect(r.kind).toBe('redis');
  });

  it('accepts the target shape; read and write use the target, admin only with credentials', () => {
    const r = createEndpointSchema.parse({
      endpoint: 'cache',
      config: { target: { host: 'h', port: 7000, protocol_version: 3 }, write_credentials: { username: 'w', password: 'x' }, connection_pool: { multiplexed_connections: 4 } },
    });
    const conns = resolveConns(r.config as EndpointConfig);
    expect(conns.read).toMatchObject({ host: 'h', port: 7000, protocol: 3, username: undefined });
    expect(conns.write).toMatchObject({ username: 'w', password: 'x' });
    expect(conns.admin).toBeUndefined();
  });

  it('rejects a mix of both shapes with one clear message on config', () => {
    const issues = issuesOf({ endpoint: 'x', config: { read_conn: { host: 'a' }, write_conn: { host: 'a' }, target: { host: 'b' } } });
    expect(issues).toEqual(['config: use either read_conn/write_conn/admin_conn or target with read/write/admin_credentials, not both']);
  });

  it('reports nested field paths', () => {
    expect(issuesOf({ endpoint: 'x', config: { read_conn: { host: 'a', port: 70000 }, write_conn: { host: '' } } })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^config\.read_conn\.port: /), expect.stringMatching(/^config\.write_conn\.host: /)]),
    );
    expect(issuesOf({ endpoint: 'x', config: { read_conn: { host: 'a' } } })).toEqual([expect.stringMatching(/^config\.write_conn: /)]);
    expect(issuesOf({ endpoint: 'x', config: { target: { host: 'a', protocol_version: 4 } } })).toEqual([expect.stringMatching(/^config\.target\.protocol_version: /)]);
    expect(issuesOf({ endpoint: 'x', config: { target: { host: 'a' }, connection_pool: { multiplexed_connections: 0 } } })).toEqual([
      expect.stringMatching(/^config\.connection_pool\.multiplexed_connections: /),
    ]);
    expect(issuesOf({ endpoint: 'x', config: { target: { host: 'a', hots: 1 } } })).toEqual([expect.stringMatching(/^config\.target: .*hots/)]);
    expect(issuesOf({ endpoint: 'bad name!', config: { target: { host: 'a' } } })).toEqual([expect.stringMatching(/^endpoint: /)]);
    expect(issuesOf({ endpoint: 'x', config: {} })).toEqual(['config: config needs read_conn and write_conn, or target']);
  });

  it('PATCH accepts a partial body', () => {
    expect(updateEndpointSchema.parse({ description: 'd' })).toEqual({ description: 'd' });
  });
});
