/**
 * The console's process: one HTTP port for Next.js pages, /api/v1 route handlers and
 * Socket.IO; later issues add the interlay listeners and the migration engine to the same
 * context. Shutdown order: stop accepting, drain, pause engine work, close Socket.IO,
 * close the database.
 */
import http from 'node:http';
import next from 'next';
import { ConfigError, loadConfig } from '@/lib/config';
import { createLogger } from '@/lib/logger';
import { registerContext } from './api/context';
import { createContext } from './context';
import { guardRequests } from './http';
import { attachSocketIo } from './socket';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger({ level: config.LOG_LEVEL });
  const dev = config.NODE_ENV === 'development';

  const ctx = await createContext(config, log);
  registerContext(ctx);

  const app = next({ dev, dir: process.cwd(), hostname: config.HOST, port: config.PORT });
  const handle = app.getRequestHandler();
  await app.prepare();

  const server = http.createServer();
  // The guard goes on before Socket.IO, which passes every non-Socket.IO request to the listeners it finds.
  guardRequests(
    { maxBodySize: config.MAX_BODY_SIZE, maxAuthBodySize: config.MAX_AUTH_BODY_SIZE, trustProxy: config.TRUST_PROXY, log: log.child({ component: 'http' }) },
    (req, res) => void handle(req, res),
  ).install(server);
  const io = attachSocketIo(server, ctx);
  await ctx.start();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  log.info({ url: `http://${config.HOST}:${config.PORT}`, database: ctx.db.kind, version: ctx.version }, 'console listening');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    // Give up after 20 s rather than hang a deploy.
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    server.close();
    server.closeAllConnections?.();
    await ctx.stop();
    await new Promise<void>((r) => io.close(() => r()));
    registerContext(undefined);
    await ctx.close();
    await app.close?.();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`console failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
