/**
 * A tiny RESP server for conditions a local Redis 7.0 cannot produce on cue: an older
 * `redis_version`, another RDB version in DUMP payloads, modules, a refused CONFIG,
 * cluster mode. Tests only. Commands it does not know get `-ERR unknown command`.
 */
import net from 'node:net';
import { encodeReply } from '../resp/encode';
import { RequestFramer } from '../resp/request';
import { RespError, type RespValue } from '../resp/types';

export interface FakeRedisOptions {
  version?: string;
  mode?: 'standalone' | 'cluster';
  /** Extra INFO fields (flat). */
  info?: Record<string, string>;
  /** false → CONFIG is refused like on managed services. */
  config?: Record<string, string> | false;
  modules?: { name: string; ver: number }[];
  /** Keys in db 0 with their TYPE. */
  keys?: Record<string, string>;
  /** RDB version written into DUMP payload trailers. */
  rdbVersion?: number;
  /** Primaries listed by CLUSTER NODES in cluster mode. */
  primaries?: number;
  /** Per-command overrides (lower-case name). */
  handlers?: Record<string, (args: string[]) => RespValue>;
}

export interface FakeRedis {
  host: string;
  port: number;
  commands: string[][];
  close(): Promise<void>;
}

export async function startFakeRedis(o: FakeRedisOptions = {}): Promise<FakeRedis> {
  const keys = o.keys ?? {};
  const commands: string[][] = [];
  const info = () => {
    const fields: Record<string, string> = {
      redis_version: o.version ?? '7.0.15',
      redis_mode: o.mode ?? 'standalone',
      used_memory: '1048576',
      maxmemory: '0',
      maxmemory_policy: 'noeviction',
      cluster_enabled: o.mode === 'cluster' ? '1' : '0',
      ...(Object.keys(keys).length ? { db0: `keys=${Object.keys(keys).length},expires=0,avg_ttl=0` } : {}),
      ...o.info,
    };
    return Buffer.from(Object.entries(fields).map(([k, v]) => `${k}:${v}`).join('\r\n') + '\r\n');
  };
  const dump = () => Buffer.concat([Buffer.from([0x00, 0x01, 0x76]), Buffer.from([(o.rdbVersion ?? 10) & 0xff, (o.rdbVersion ?? 10) >> 8]), Buffer.alloc(8, 0x11)]);
  const handle = (argv: string[]): RespValue => {
    const name = argv[0]!.toLowerCase();
    const sub = (argv[1] ?? '').toLowerCase();
    if (o.handlers?.[name]) return o.handlers[name]!(argv);
    switch (name) {
      case 'ping':
        return 'PONG';
      case 'info':
        return info();
      case 'select':
        return o.mode === 'cluster' && argv[1] !== '0' ? new RespError('ERR SELECT is not allowed in cluster mode') : 'OK';
      case 'client':
        return 'OK';
      case 'config':
        if (o.config === false) return new RespError("ERR unknown command 'CONFIG', with args beginning with: ");
        return sub === 'get' ? [Buffer.from(argv[2]!), Buffer.from((o.config ?? {})[argv[2]!] ?? defaults[argv[2]!] ?? '')] : 'OK';
      case 'module':
        return (o.modules ?? []).map((m) => [Buffer.from('name'), Buffer.from(m.name), Buffer.from('ver'), m.ver]);
      case 'cluster':
        if (o.mode !== 'cluster') return new RespError('ERR This instance has cluster support disabled');
        if (sub === 'nodes') {
          return Buffer.from(
            Array.from({ length: o.primaries ?? 3 }, (_, i) => `id${i} 127.0.0.1:${7000 + i}@17000 ${i === 0 ? 'myself,' : ''}master - 0 0 ${i + 1} connected ${i * 5000}-${i * 5000 + 4999}`).join('\n') + '\n',
          );
        }
        return Buffer.from('cluster_state:ok\r\n');
      case 'scan':
        return [Buffer.from('0'), Object.keys(keys).map((k) => Buffer.from(k))];
      case 'type':
        return keys[argv[1]!] ?? 'none';
      case 'pttl':
        return keys[argv[1]!] ? -1 : -2;
      case 'memory':
        return keys[argv[2]!] ? 64 : null;
      case 'dump':
        return keys[argv[1]!] ? dump() : null;
      case 'exists':
        return argv.slice(1).filter((k) => keys[k]).length;
      case 'acl':
        return 'OK';
      case 'set':
        keys[argv[1]!] = 'string';
        return 'OK';
      case 'get':
        return null;
      case 'del':
        return argv.slice(1).filter((k) => delete keys[k]).length;
      default:
        return new RespError(`ERR unknown command '${argv[0]}', with args beginning with: `);
    }
  };
  const defaults: Record<string, string> = { maxmemory: '0', 'maxmemory-policy': 'noeviction', 'proto-max-bulk-len': '536870912', databases: '16', 'cluster-enabled': o.mode === 'cluster' ? 'yes' : 'no' };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const framer = new RequestFramer(
      (cmd) => {
        const argv = cmd.args().map((b) => b.toString('latin1'));
        commands.push(argv);
        socket.write(encodeReply(handle(argv), 2));
      },
      () => socket.destroy(),
    );
    socket.on('data', (chunk: Buffer) => framer.write(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    host: '127.0.0.1',
    port,
    commands,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
