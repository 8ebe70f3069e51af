/**
 * A tiny RESP proxy for tests (STYLE.md point 13: only for faults a real Redis cannot
 * produce on cue): forwards every command to a real Redis, except that
 * - one command may be answered with an error of the proxy's own: RESTORE with the error
 *   an older Redis gives for a newer RDB payload, or a command an older Redis does not
 *   have (PEXPIRETIME before 7.0);
 * - `holdNext(command, ms)` holds the reply to the next such command, and every reply
 *   behind it on that connection, for `ms`: what a client sees when Redis answered a
 *   pipeline and then stalled (a slow command of another client handled in the same
 *   event-loop turn) before writing the replies out. The replies' values are those of
 *   when they were answered, only their delivery is late.
 * Replies go back in request order whether they came from the backend or the proxy.
 */
import net from 'node:net';
import { ReplyFramer, frameViews } from '../resp/framer';
import { RequestFramer } from '../resp/request';

export interface FakeProxy {
  port: number;
  /** Commands answered with the proxy's error so far. */
  rejected: number;
  /** Replies held by `holdNext` so far. */
  held: number;
  /** Holds the reply to the next `command` (lower case) on any connection, and those behind it, for `ms`. */
  holdNext(command: string, ms: number): void;
  close(): Promise<void>;
}

export function startRestoreRejectingProxy(backendPort: number, message = 'ERR DUMP payload version or checksum are wrong'): Promise<FakeProxy> {
  return startFakeProxy(backendPort, { command: 'restore', message });
}

/** A Redis without `command` (lower case), as a server older than it answers. */
export function startOlderServerProxy(backendPort: number, command: string): Promise<FakeProxy> {
  return startFakeProxy(backendPort, { command, message: `ERR unknown command '${command.toUpperCase()}', with args beginning with: ` });
}

/** Forwards everything (until `holdNext` is called). */
export function startHoldingProxy(backendPort: number): Promise<FakeProxy> {
  return startFakeProxy(backendPort);
}

interface Slot {
  /** The reply once known; null while the backend owes it. */
  reply: Buffer | null;
  /** Hold this reply (and those behind it) for this long once it is known. */
  holdMs?: number;
}

async function startFakeProxy(backendPort: number, reject?: { command: string; message: string }): Promise<FakeProxy> {
  const sockets = new Set<net.Socket>();
  const state = { rejected: 0, held: 0, hold: undefined as { command: string; ms: number } | undefined };
  const timers = new Set<NodeJS.Timeout>();
  const server = net.createServer((client) => {
    sockets.add(client);
    const backend = net.connect(backendPort, '127.0.0.1');
    sockets.add(backend);
    const slots: Slot[] = [];
    let holding = false;
    const flush = () => {
      while (!holding && slots.length > 0 && slots[0].reply !== null) {
        const head = slots[0];
        if (head.holdMs !== undefined) {
          const ms = head.holdMs;
          head.holdMs = undefined;
          holding = true;
          const t = setTimeout(() => {
            timers.delete(t);
            holding = false;
            flush();
          }, ms);
          timers.add(t);
          return;
        }
        client.write(slots.shift()!.reply!);
      }
    };
    const backendFramer = new ReplyFramer(
      frameViews((raw) => {
        const slot = slots.find((s) => s.reply === null)!;
        slot.reply = Buffer.from(raw);
        flush();
      }),
      () => client.destroy(),
    );
    backend.on('data', (d) => backendFramer.write(d));
    const reqFramer = new RequestFramer(
      (cmd) => {
        const name = cmd.name();
        const slot: Slot = { reply: null };
        if (state.hold && state.hold.command === name) {
          slot.holdMs = state.hold.ms;
          state.hold = undefined;
          state.held++;
        }
        slots.push(slot);
        if (reject && name === reject.command) {
          state.rejected++;
          slot.reply = Buffer.from(`-${reject.message}\r\n`);
          flush();
        } else {
          backend.write(Buffer.from(cmd.raw));
        }
      },
      () => client.destroy(),
    );
    client.on('data', (d) => reqFramer.write(d));
    const end = () => {
      client.destroy();
      backend.destroy();
      sockets.delete(client);
      sockets.delete(backend);
    };
    client.on('close', end);
    backend.on('close', end);
    client.on('error', end);
    backend.on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get rejected() {
      return state.rejected;
    },
    get held() {
      return state.held;
    },
    holdNext(command: string, ms: number) {
      state.hold = { command, ms };
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
