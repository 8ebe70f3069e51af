/**
 * Spawns real `redis-server` processes for tests, each on a free port with its own
 * working directory. Never touches the shared Redis on 6379.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface RedisServerOptions {
  /** `requirepass` for the default user. */
  password?: string;
  /** ACL rules, one string per user, e.g. `user reader on >pw ~* +@read`. */
  aclUsers?: string[];
  /** Serve TLS only (port is the TLS port); a self-signed CA and cert are generated. */
  tls?: boolean;
  /** Extra `--name value` arguments, e.g. { maxmemory: '2mb' }. */
  config?: Record<string, string>;
  /** Pin a port (for restart on the same port); a free one otherwise. */
  port?: number;
}

export interface TlsMaterial {
  caFile: string;
  certFile: string;
  keyFile: string;
  ca: string;
}

export interface RedisServer {
  host: string;
  port: number;
  password?: string;
  tls?: TlsMaterial;
  dir: string;
  /** The redis-server process id (changes on restart). */
  readonly pid: number;
  /** redis-cli arguments that reach this server (host, port, auth, tls). */
  cliArgs(): string[];
  /** Runs redis-cli with the given command and returns stdout. */
  cli(...args: string[]): string;
  /** SIGKILL, as in a crash. */
  kill(): Promise<void>;
  /** Graceful stop (SHUTDOWN NOSAVE semantics via SIGTERM). */
  stop(): Promise<void>;
  /** Start again on the same port with the same options. */
  restart(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

let tlsCache: TlsMaterial | undefined;

/** A self-signed CA and a server certificate for 127.0.0.1/localhost, made once per process. */
export function tlsMaterial(): TlsMaterial {
  if (tlsCache) return tlsCache;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-tls-'));
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Test CA', '-keyout', 'ca.key', '-out', 'ca.crt']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr']);
  fs.writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'ext.cnf', '-out', 'server.crt']);
  tlsCache = {
    caFile: path.join(dir, 'ca.crt'),
    certFile: path.join(dir, 'server.crt'),
    keyFile: path.join(dir, 'server.key'),
    ca: fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8'),
  };
  return tlsCache;
}

async function waitForPort(port: number, child: ChildProcess, logFile: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
      throw new Error(`redis-server exited with ${child.exitCode} on port ${port}:\n${log.slice(-2000)}`);
    }
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server did not listen on ${port} within ${timeoutMs} ms`);
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

export async function startRedis(opts: RedisServerOptions = {}): Promise<RedisServer> {
  const port = opts.port ?? (await freePort());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `redis-${port}-`));
  const logFile = path.join(dir, 'redis.log');
  const tls = opts.tls ? tlsMaterial() : undefined;
  const lines = [
    `bind 127.0.0.1`,
    `dir ${dir}`,
    `logfile ${logFile}`,
    `save ""`,
    `appendonly no`,
    `protected-mode no`,
    `daemonize no`,
  ];
  if (tls) {
    lines.push(`port 0`, `tls-port ${port}`, `tls-cert-file ${tls.certFile}`, `tls-key-file ${tls.keyFile}`, `tls-ca-cert-file ${tls.caFile}`, `tls-auth-clients no`);
  } else {
    lines.push(`port ${port}`);
  }
  if (opts.password) lines.push(`requirepass ${opts.password}`);
  for (const u of opts.aclUsers ?? []) lines.push(u);
  for (const [k, v] of Object.entries(opts.config ?? {})) lines.push(`${k} ${v}`);
  const confFile = path.join(dir, 'redis.conf');
  fs.writeFileSync(confFile, lines.join('\n') + '\n');

  let child: ChildProcess;
  const launch = async () => {
    child = spawn('redis-server', [confFile], { stdio: 'ignore' });
    running.add(child);
    child.once('exit', () => running.delete(child));
    await waitForPort(port, child, logFile);
  };
  await launch();

  const exited = (c: ChildProcess) => new Promise<void>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
  });

  const server: RedisServer = {
    host: '127.0.0.1',
    port,
    password: opts.password,
    tls,
    dir,
    get pid() {
      return child.pid ?? -1;
    },
    cliArgs() {
      const a = ['-h', '127.0.0.1', '-p', String(port)];
      if (opts.password) a.push('-a', opts.password, '--no-auth-warning');
      if (tls) a.push('--tls', '--cacert', tls.caFile);
      return a;
    },
    cli(...args: string[]) {
      return execFileSync('redis-cli', [...server.cliArgs(), ...args], { encoding: 'utf8' });
    },
    async kill() {
      child.kill('SIGKILL');
      await exited(child);
    },
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
    },
    async restart() {
      await launch();
    },
  };
  return server;
}
