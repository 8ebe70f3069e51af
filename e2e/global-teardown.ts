/** Stops the redis-servers global-setup spawned (same runner process). */
import fs from 'node:fs';
import { REDIS_FILE } from './env';
import { spawned } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const servers = spawned().splice(0);
  await Promise.all(servers.map((s) => s.stop().catch(() => s.kill())));
  fs.rmSync(REDIS_FILE, { force: true });
}
