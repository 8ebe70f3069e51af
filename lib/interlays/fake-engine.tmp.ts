// TEMPORARY (deleted once lib/interlay lands): a TCP passthrough to exercise the service.
import net from 'node:net';
import { EventEmitter } from 'node:events';
import type { EngineFactory, EngineHandle, EngineOptions } from './engine';
import type { InterlayMetrics, InterlayStatus } from './schema';

class Fake extends EventEmitter implements EngineHandle {
  status: InterlayStatus = 'stopped';
  error: string | undefined;
  private server?: net.Server;
  private socks = new Set<net.Socket>();
  private ops = 0;
  private total = 0;
  private bin = 0;
  private bout = 0;
  constructor(private o: EngineOptions) { super(); }
  get id() { return this.o.id; }
  private set(s: InterlayStatus) { this.status = s; this.emit('status', s); }
  async start() {
    this.set('starting');
    this.server = net.createServer((c) => {
      this.total++;
      this.socks.add(c);
      const b = net.connect(this.o.backend.port, this.o.backend.host);
      c.on('data', (d) => { this.ops++; this.bin += d.length; b.write(d); });
      b.on('data', (d) => { this.bout += d.length; c.write(d); });
      const end = () => { this.socks.delete(c); c.destroy(); b.destroy(); };
      c.on('close', end); b.on('close', end); c.on('error', end); b.on('error', end);
    });
    await new Promise<void>((res) => {
      this.server!.once('error', (e) => { this.error = e.message; this.set('failed'); res(); });
      this.server!.listen(this.o.port, this.o.settings.bind_address, () => { this.set('listening'); res(); });
    });
  }
  async stop() {
    this.set('draining');
    for (const s of this.socks) s.destroy();
    await new Promise((r) => (this.server?.listening ? this.server.close(r) : r(undefined)));
    this.set('stopped');
  }
  updateSettings() {}
  metrics(): InterlayMetrics {
    return { at: Date.now(), status: this.status, connections: { current: this.socks.size, peak: 0, refused: 0, total: this.total }, ops: { total: this.ops, per_sec: 0 },
      commands: [{ name: 'set', count: 1 }, { name: 'get', count: 1 }], categories: {}, latency_us: { proxy: { p50: 1, p99: 2 }, backend: { p50: 1, p99: 2 } },
      bytes: { in: this.bin, out: this.bout }, errors: {}, backend: { connected: 1, state: 'up' } };
  }
}
export const createFakeEngine: EngineFactory = (o) => new Fake(o);
