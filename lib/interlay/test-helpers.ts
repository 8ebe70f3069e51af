/** Shared set-up for the interlay's integration tests: a real redis-server and an Interlay in front of it. */
import net from 'node:net';
import { freePort, startRedis, type RedisServer } from '@/test/redis-server';
import { createLogger } from '@/lib/logger';
import { Interlay } from './interlay';
import type { BackendTarget, InterlayOptions, InterlaySettings } from './types';

export const quietLog = createLogger({ level: process.env.INTERLAY_TEST_LOG ?? 'silent' });

export function backendFor(server: { port: number }, patch: Partial<BackendTarget> = {}): BackendTarget {
  return {
    host: '127.0.0.1',
    port: server.port,
    tls: false,
    db: 0,
    protocol: 2,
    connectTimeoutMs: 2000,
    commandTimeoutMs: 5000,
    ...patch,
  };
}

export async function startInterlay(
  backend: BackendTarget,
  settings: Partial<InterlaySettings> = {},
  extra: Partial<InterlayOptions> = {},
): Promise<Interlay> {
  const il = new Interlay({
    id: `test-${Math.random().toString(36).slice(2, 8)}`,
    port: await freePort(),
    poolSize: 1,
    backend,
    settings: { bind_address: '127.0.0.1', max_concurrent_connections: 2000, idle_timeout_s: 0, ...settings },
    log: quietLog,
    ...extra,
  });
  await il.start();
  return il;
}

export async function redisAndInterlay(
  settings: Partial<InterlaySettings> = {},
  backendPatch: Partial<BackendTarget> = {},
): Promise<{ server: RedisServer; interlay: Interlay }> {
  const server = await startRedis();
  const interlay = await startInterlay(backendFor(server, backendPatch), settings);
  return { server, interlay };
}

/** A raw TCP client: send bytes, collect everything the interlay sends back. */
export class RawClient {
  readonly socket: net.Socket;
  data = Buffer.alloc(0);
  closed = false;
  private readonly opened: Promise<void>;

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.opened = new Promise((r) => this.socket.once('connect', () => r()));
    this.socket.on('data', (d) => (this.data = Buffer.concat([this.data, d])));
    this.socket.on('close', () => (this.closed = true));
    this.socket.on('error', () => undefined);
  }

  async send(bytes: string | Buffer): Promise<void> {
    await this.opened;
    this.socket.write(bytes);
  }

  text(): string {
    return this.data.toString('latin1');
  }

  async waitFor(pred: (text: string) => boolean, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.text())) {
      if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(this.text().slice(0, 500))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.text();
  }

  async waitClosed(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('socket not closed');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
