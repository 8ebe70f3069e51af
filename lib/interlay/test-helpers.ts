/** Shared set-up for the interlay's integration tests: a real redis-server and an Interlay in front of it. */
import fs from 'node:fs';
import net from 'node:net';
import { encodeCommand, ReplyFramer } from '@/lib/resp';
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
    // Tests connect without AUTH unless they test authentication (the product's default requires it).
    settings: { bind_address: '127.0.0.1', max_concurrent_connections: 2000, idle_timeout_s: 0, allow_unauthenticated: true, ...settings },
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
  // The first commands must not meet "backend unavailable" while the pool still connects (slow under load).
  await interlay.waitForBackend();
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

/**
 * A raw client that frames what it receives (trusted framing, as from Redis): `reply()`
 * waits for the next whole reply and returns its bytes. `allowHalfOpen` keeps it from
 * closing its side when the server ends, as clients that never close do.
 */
export class FramedClient {
  readonly socket: net.Socket;
  readonly frames: Buffer[] = [];
  closed = false;
  /** The server ended the connection (EOF or reset). */
  ended = false;
  private next = 0;
  private readonly framer: ReplyFramer;
  private readonly opened: Promise<void>;

  constructor(port: number, opts: { allowHalfOpen?: boolean } = {}) {
    this.socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: opts.allowHalfOpen ?? false });
    this.framer = new ReplyFramer(
      (buf, start, end) => this.frames.push(Buffer.from(buf.subarray(start, end))),
      (err) => this.frames.push(Buffer.from(`<framing error: ${err.message}>`)),
      undefined,
      { trusted: true },
    );
    this.opened = new Promise((r) => this.socket.once('connect', () => r()));
    this.socket.on('data', (d) => this.framer.write(d));
    this.socket.on('end', () => (this.ended = true));
    this.socket.on('close', () => (this.closed = this.ended = true));
    this.socket.on('error', () => (this.ended = true));
  }

  get ready(): Promise<void> {
    return this.opened;
  }

  async send(...commands: (string | Buffer | number)[][]): Promise<void> {
    await this.opened;
    this.socket.write(Buffer.concat(commands.map((c) => encodeCommand(c))));
  }

  async sendRaw(bytes: string | Buffer): Promise<void> {
    await this.opened;
    this.socket.write(bytes);
  }

  /** The next reply (in order), as bytes. */
  async reply(timeoutMs = 5000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length <= this.next) {
      if (Date.now() > deadline) throw new Error(`no reply within ${timeoutMs} ms (closed: ${this.closed})`);
      await sleep(5);
    }
    return this.frames[this.next++];
  }

  async replyText(timeoutMs?: number): Promise<string> {
    return (await this.reply(timeoutMs)).toString('latin1');
  }

  /** Sends one command and returns its reply as text. */
  async call(...args: (string | Buffer | number)[]): Promise<string> {
    await this.send(args);
    return this.replyText();
  }

  /** Replies not read yet. */
  get pending(): number {
    return this.frames.length - this.next;
  }

  /** Until the server has closed the connection (EOF or reset). */
  async waitClosed(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error('the server did not close the connection');
      await sleep(5);
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Waits until pred() holds (polling), or throws naming what it waited for. */
export async function until(pred: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Open file descriptors of this process (the interlay runs in it). */
export function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}
