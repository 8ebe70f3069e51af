/**
 * A tiny RESP proxy for tests (STYLE.md point 13: only for faults a real Redis cannot
 * produce on cue): forwards every command to a real Redis, except that one command is
 * answered with an error of the proxy's own — RESTORE with the error an older Redis gives
 * for a newer RDB payload, or a command an older Redis does not have (PEXPIRETIME before
 * 7.0). Replies go back in request order whether they came from the backend or the proxy.
 */
import net from 'node:net';
import { ReplyFramer, frameViews } from '../resp/framer';
import { RequestFramer } from '../resp/request';

export interface FakeProxy {
  port: number;
  /** Commands answered with the proxy's error so far. */
  rejected: number;
  close(): Promise<void>;
}

export function startRestoreRejectingProxy(backendPort: number, message = 'ERR DUMP payload version or checksum are wrong'): Promise<FakeProxy> {
  return startRejectingProxy(backendPort, 'restore', message);
}

/** A Redis without `command` (lower case), as a server older than it answers. */
export function startOlderServerProxy(backendPort: number, command: string): Promise<FakeProxy> {
  return startRejectingProxy(backendPort, command, `ERR unknown command '${command.toUpperCase()}', with args beginning with: `);
}

async function startRejectingProxy(backendPort: number, command: string, message: string): Promise<FakeProxy> {
  const sockets = new Set<net.Socket>();
  const state = { rejected: 0 };
  const server = net.createServer((client) => {
    sockets.add(client);
    const backend = net.connect(backendPort, '127.0.0.1');
    sockets.add(backend);
    // Reply slots in request order: a Buffer when ready, null while the backend owes it.
    const slots: (Buffer | null)[] = [];
    const flush = () => {
      while (slots.length > 0 && slots[0] !== null) client.write(slots.shift()!);
    };
    const backendFramer = new ReplyFramer(
      frameViews((raw) => {
        const i = slots.indexOf(null);
        slots[i] = Buffer.from(raw);
        flush();
      }),
      () => client.destroy(),
    );
    backend.on('data', (d) => backendFramer.write(d));
    const reqFramer = new RequestFramer(
      (cmd) => {
        if (cmd.name() === command) {
          state.rejected++;
          slots.push(Buffer.from(`-${message}\r\n`));
          flush();
        } else {
          slots.push(null);
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
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
