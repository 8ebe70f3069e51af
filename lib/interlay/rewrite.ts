/**
 * Reply rewrites for the few commands whose answer must speak about the interlay rather
 * than the backend behind it. Each runs only for its command, never on the hot path.
 */

const TCP_PORT = Buffer.from('\r\ntcp_port:');

/**
 * INFO's `tcp_port` becomes the interlay's port: a client (or a monitoring agent) that reads
 * it wants the port it connected to. `reply` is a RESP2 bulk (`$n`) or RESP3 verbatim (`=n`)
 * string; anything else (an error) comes back unchanged.
 */
export function rewriteInfoPort(reply: Buffer, port: number): Buffer {
  if (port <= 0 || (reply[0] !== 0x24 && reply[0] !== 0x3d)) return reply;
  const headerEnd = reply.indexOf('\r\n');
  if (headerEnd < 0) return reply;
  const at = reply.indexOf(TCP_PORT, headerEnd);
  if (at < 0) return reply;
  const from = at + TCP_PORT.length;
  const to = reply.indexOf('\r\n', from);
  if (to < 0) return reply;
  const body = Buffer.concat([
    reply.subarray(headerEnd + 2, from),
    Buffer.from(String(port)),
    reply.subarray(to, reply.length - 2),
  ]);
  return Buffer.concat([Buffer.from(`${String.fromCharCode(reply[0])}${body.length}\r\n`), body, Buffer.from('\r\n')]);
}
