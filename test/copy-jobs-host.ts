/**
 * The console's copy-jobs host alone in a process of its own (no HTTP): the real
 * composition root (server/context.ts) on a database folder or URL, resuming running jobs
 * at start. For fault tests and bench/faults.ts, which kill it with SIGKILL mid-copy and
 * start it again.
 *
 *   node --import tsx test/copy-jobs-host.ts --data-dir DIR [--database-url URL]
 *        [--endpoint name=host:port ...] [--create '{"source":...}']
 *
 * Prints one line per event on stdout: `@@job <id>` for a created job, then every 100 ms
 * `@@progress {"id","status","scanned","copied","errors"}` for each job. SIGTERM stops it
 * cleanly (the jobs stay running and resume at the next start).
 */
import { SYSTEM_ACTOR } from '@/lib/auth/roles';
import { loadConfig } from '@/lib/config';
import { createCopyJobSchema } from '@/lib/copy-jobs/schema';
import { createEndpointSchema } from '@/lib/endpoints/schema';
import { createLogger } from '@/lib/logger';
import { createContext } from '@/server/context';

const argv = process.argv.slice(2);
const opt = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? undefined : argv[i + 1];
};
const all = (name: string) => argv.flatMap((a, i) => (a === `--${name}` && argv[i + 1] ? [argv[i + 1]!] : []));

async function main(): Promise<void> {
  const dataDir = opt('data-dir');
  if (!dataDir) throw new Error('--data-dir is required');
  const env: Record<string, string> = { DATA_DIR: dataDir, ADMIN_PASSWORD: 'admin-password', LOG_LEVEL: process.env.HOST_LOG_LEVEL ?? 'silent', NODE_ENV: 'test', RESTORE_INTERLAYS: 'false' };
  const url = opt('database-url');
  if (url) env.DATABASE_URL = url;
  const ctx = await createContext(loadConfig(env), createLogger({ level: env.LOG_LEVEL as 'silent' }));
  await ctx.start();
  for (const e of all('endpoint')) {
    const [name, addr] = e.split('=') as [string, string];
    const [host, port] = addr.split(':') as [string, string];
    const conn = { host, port: Number(port) };
    await ctx.endpoints.create(SYSTEM_ACTOR, createEndpointSchema.parse({ endpoint: name, config: { read_conn: conn, write_conn: conn, command_timeout_ms: 30_000 } }));
  }
  const create = opt('create');
  if (create) {
    const job = await ctx.copyJobs.create(SYSTEM_ACTOR, createCopyJobSchema.parse(JSON.parse(create)));
    process.stdout.write(`@@job ${job.id}\n`);
  }
  const timer = setInterval(() => {
    void ctx.copyJobs.list({}).then((jobs) => {
      for (const j of jobs) process.stdout.write(`@@progress ${JSON.stringify({ id: j.id, status: j.status, scanned: j.progress?.scanned ?? j.counts.scanned, copied: j.progress?.copied ?? j.counts.copied, errors: j.counts.errors })}\n`);
    });
  }, 100);
  process.once('SIGTERM', () => {
    clearInterval(timer);
    void ctx
      .stop()
      .then(() => ctx.close())
      .then(() => process.exit(0));
  });
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
