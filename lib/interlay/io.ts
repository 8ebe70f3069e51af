/**
 * Socket reads without an allocation per read.
 *
 * Node's default read path allocates 64 KB for every read, then a second buffer of the
 * bytes read (zero-filled, then copied), and runs Readable bookkeeping and a 'data' event
 * for it; under a proxy's load that was about a tenth of the interlay's CPU, page faults
 * included, and most of its garbage. The interlay reads plain TCP sockets through Node's
 * `onread` option instead, into one shared buffer per direction, and hands each read to its
 * handler as a range of that buffer, valid only during the handler: OutQueue
 * copies the ranges it keeps (then `sealOpenRuns` runs, before the buffer is read into
 * again), the framers copy partial frames, and queued commands are snapshots (copies).
 *
 * TLS sockets keep Node's 'data' events (the chunks are theirs); their handlers run the
 * same code, so one path serves both.
 */
import net from 'node:net';
import { sealOpenRuns, TRANSIENT_MAX } from './outq';

/** Bytes buf[start, end): valid only during the call when buf is a shared read buffer. */
export type ChunkHandler = (buf: Buffer, start: number, end: number) => void;

const clientReadBuf = Buffer.allocUnsafeSlow(TRANSIENT_MAX);
const backendReadBuf = Buffer.allocUnsafeSlow(TRANSIENT_MAX);

function onReadOptions(buffer: Buffer, handler: ChunkHandler): net.OnReadOpts {
  return {
    buffer,
    callback(n: number, buf: Uint8Array): boolean {
      try {
        handler(buf as Buffer, 0, n);
      } finally {
        sealOpenRuns(); // before this buffer is read into again, whatever happened
      }
      return true;
    },
  };
}

/** `onread` for a backend connection (`net.connect` documents it). */
export function backendOnRead(handler: ChunkHandler): net.OnReadOpts {
  return onReadOptions(backendReadBuf, handler);
}

/** For sockets read with 'data' events: the same handler, then the same sealing. */
export function onDataEvents(sock: net.Socket, handler: ChunkHandler): void {
  sock.on('data', (chunk: Buffer) => {
    handler(chunk, 0, chunk.length);
    sealOpenRuns();
  });
}

interface NodeSocketInternals {
  _handle: { useUserBuffer?: unknown; readStart?: unknown } | null;
  _server: net.Server | null;
  server: net.Server | null;
}

/**
 * Re-creates an accepted TCP socket over the same handle with `onread` (Node offers the
 * option only for sockets it creates from options, not for accepted ones). The server must
 * be created with `pauseOnConnect: true`, so nothing has been read yet. The new socket takes
 * over the server's connection count; the old object is left without a handle. Returns null
 * when the socket cannot be adopted (then read it with `onDataEvents`).
 */
export function adoptAccepted(sock: net.Socket, handler: ChunkHandler): net.Socket | null {
  const old = sock as unknown as NodeSocketInternals;
  const handle = old._handle;
  if (handle === null || typeof handle.useUserBuffer !== 'function' || typeof handle.readStart !== 'function') return null;
  old._handle = null;
  const adopted = new net.Socket({
    handle,
    readable: true,
    writable: true,
    allowHalfOpen: true,
    onread: onReadOptions(clientReadBuf, handler),
  } as net.SocketConstructorOpts);
  const a = adopted as unknown as NodeSocketInternals;
  a._server = old._server;
  a.server = old.server;
  old._server = null;
  old.server = null;
  return adopted;
}
