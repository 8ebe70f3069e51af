/**
 * `npm run demo` end to end: the script runs as a child process exactly as npm runs it,
 * and this test waits for its "demo ready" line, checks what it made through the API and
 * the source Redis, stops it with SIGINT as Ctrl-C would, and checks that every process it
 * started and its temp folder are gone.
 *
 * The first run builds the console (scripts/start.mjs), hence the long timeout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '@/test/redis-server';

const root = path.resolve(import.meta.dirname, '..');

interface Ready {
  url: string;
  username: string;
  password: string;
  token: string;
  source_port: number;
  target_port: number;
  interlay_port: number;
  migration: string | null;
  dir: string;
  pids: { console: number; source: number; target: number };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('npm run demo', () => {
  let demo: ChildProcess | undefined;
  let output = '';
  afterAll(() => {
    // Only when an assertion failed before the SIGINT below: do not leave the demo running.
    if (demo && demo.exitCode === null) demo.kill('SIGINT');
  });

  it('starts everything, writes through the interlay, and removes it all on SIGINT', { timeout: 20 * 60_000 }, async () => {
    const port = await freePort();
    demo = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], { cwd: root, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exit = new Promise<number | null>((resolve) => demo!.once('exit', (code) => resolve(code)));
    const ready = await new Promise<Ready>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const line = /^demo ready (\{.*\})$/m.exec(output);
        if (line) resolve(JSON.parse(line[1]!) as Ready);
      };
      demo!.stdout!.on('data', onData);
      demo!.stderr!.on('data', (c: Buffer) => (output += c.toString()));
      void exit.then((code) => reject(new Error(`the demo exited (${code}) before it was ready:\n${output.slice(-4000)}`)));
    });

    expect(ready.url).toBe(`http://127.0.0.1:${port}`);
    expect(output).toContain(`Sign in as:    ${ready.username} / ${ready.password}`);
    expect(fs.existsSync(ready.dir)).toBe(true);
    const api = async (method: string, route: string) => {
      const r = await fetch(`${ready.url}/api/v1${route}`, { method, headers: { authorization: `Bearer ${ready.token}`, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) }, body: method === 'POST' ? '{"name":"x"}' : undefined });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };

    // The login works in the browser's way too.
    const login = await fetch(`${ready.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: ready.username, password: ready.password }) });
    expect(login.status).toBe(200);

    const endpoints = (await api('GET', '/endpoints')).body.endpoints as { endpoint: string }[];
    expect(endpoints.map((e) => e.endpoint).sort()).toEqual(['redis-source', 'redis-target']);
    const interlay = (await api('GET', '/interlays/app')).body as { status: string; endpoint: string; port: number };
    expect(interlay).toMatchObject({ status: 'listening', endpoint: 'redis-source', port: ready.interlay_port });

    if (ready.migration) {
      const run = await api('GET', `/migrations/${ready.migration}`);
      expect(run.status).toBe(200);
      expect(run.body).toMatchObject({ id: ready.migration, state: 'draft' });
    } else {
      // A console without the migrations API: the demo says so instead of failing.
      expect((await api('POST', '/migrations')).status).toBe(404);
      expect(output).toContain('create the run in the UI');
    }

    // The sample data is there and the writer keeps writing through the interlay.
    const source = new Redis({ host: '127.0.0.1', port: ready.source_port, lazyConnect: true });
    await source.connect();
    try {
      expect(await source.dbsize()).toBeGreaterThan(30_000);
      expect(await source.type('events:orders')).toBe('stream');
      const [, sessions] = await source.scan('0', 'MATCH', 'session:*', 'COUNT', 2000);
      expect(sessions.length).toBeGreaterThan(0);
      expect(await source.ttl(sessions[0]!), 'sessions expire').toBeGreaterThan(0);
      const before = Number(await source.get('stats:requests'));
      await sleep(1500);
      const after = Number(await source.get('stats:requests'));
      expect(after).toBeGreaterThan(before);
      const clients = await source.client('LIST');
      expect(String(clients).split('\n').filter(Boolean).length, 'the interlay holds connections to the source').toBeGreaterThan(1);
    } finally {
      source.disconnect();
    }

    demo.kill('SIGINT');
    expect(await exit).toBe(0);
    expect(output).toContain('Demo stopped');
    for (const [what, pid] of Object.entries(ready.pids)) expect(alive(pid), `${what} (pid ${pid}) still runs`).toBe(false);
    expect(fs.existsSync(ready.dir)).toBe(false);
    const refused = await fetch(`${ready.url}/api/v1/health`).then(() => false, () => true);
    expect(refused, 'the console still answers').toBe(true);
  });
});
