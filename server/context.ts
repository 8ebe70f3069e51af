/**
 * The composition root: builds the shared objects once, in dependency order, and closes
 * them in the reverse order on shutdown. Route handlers reach this through
 * server/api/context.ts (registered on globalThis).
 */
import type { Server as IoServer } from 'socket.io';
import { AuditService } from '@/lib/audit/service';
import { AuthService } from '@/lib/auth/service';
import { decodeKey, type Config } from '@/lib/config';
import { openDatabase, type Database, type PrismaClient } from '@/lib/db';
import { EndpointService } from '@/lib/endpoints/service';
import { CompatService } from '@/lib/compat/service';
import { interlayLookup } from '@/lib/compat/interlay-lookup';
import { InterlayService } from '@/lib/interlays/service';
import { createInterlayEngine } from '@/lib/interlays/engine-factory';
import { SecretBox } from '@/lib/endpoints/secrets';
import { CopyJobService } from '@/lib/copy-jobs/service';
import { MigrationService } from '@/lib/workflow/service';
import type { ChangedEvent, ClientToServerEvents, Notifier as NotifierContract, ServerToClientEvents } from '@/lib/events';
import type { Logger } from '@/lib/logger';

export const VERSION: string = process.env.npm_package_version ?? '0.1.0';

/** Emits Socket.IO events once Socket.IO is attached; a no-op before (and in library tests). */
export class Notifier implements NotifierContract {
  private io?: IoServer<ClientToServerEvents, ServerToClientEvents>;
  attach(io: IoServer<ClientToServerEvents, ServerToClientEvents> | undefined): void {
    this.io = io;
  }
  changed(e: ChangedEvent): void {
    this.io?.emit('changed', e);
  }
  /** Sends to one room (e.g. `interlay:<id>`), for throttled metric ticks. */
  toRoom<E extends keyof ServerToClientEvents>(room: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    this.io?.to(room).emit(event, ...args);
  }
}

export interface ServerContext {
  config: Config;
  log: Logger;
  version: string;
  db: Database;
  prisma: PrismaClient;
  notifier: Notifier;
  audit: AuditService;
  auth: AuthService;
  endpoints: EndpointService;
  // [services:interface] later services add their fields below, one line each.
  compat: CompatService;
  copyJobs: CopyJobService;
  interlays: InterlayService;
  migrations: MigrationService;
  /** After the HTTP server is up: restore started interlays, resume engine work. */
  start(): Promise<void>;
  /** Before Socket.IO and the database close: stop accepting, drain sessions, pause engine work. */
  stop(): Promise<void>;
  /** Closes everything this context opened, in order. */
  close(): Promise<void>;
}

export async function createContext(config: Config, log: Logger, opts: { db?: Database } = {}): Promise<ServerContext> {
  const db = opts.db ?? (await openDatabase({ url: config.DATABASE_URL, dataDir: config.dataDir }));
  log.info({ kind: db.kind, location: db.location, applied: db.migrations.applied }, 'database ready');
  // A database handed in (tests) is closed by whoever opened it.
  const closers: (() => Promise<void>)[] = opts.db ? [] : [() => db.close()];
  // Services later in the road (interlays, copy engine) push their start/stop steps here.
  const starters: (() => Promise<void>)[] = [];
  const stoppers: (() => Promise<void>)[] = [];
  try {
    const notifier = new Notifier();
    const audit = new AuditService(db.prisma, log.child({ component: 'audit' }));
    const auth = new AuthService(db.prisma, audit, log.child({ component: 'auth' }), { sessionTtlMs: config.SESSION_TTL_HOURS * 3_600_000 });
    const secrets = SecretBox.open({ key: config.SECRET_KEY ? decodeKey(config.SECRET_KEY) : undefined, dataDir: config.dataDir });
    if (secrets.source === 'generated') log.warn({ file: secrets.file }, 'generated a new secret key for endpoint passwords; back it up with the database');
    const endpoints = new EndpointService(db.prisma, secrets.box, audit, notifier, log.child({ component: 'endpoints' }));
    closers.unshift(() => endpoints.close());

    // [services:build] later services are built below, each in its own block; push start/stop
    // steps to starters/stoppers and close steps with closers.unshift.

    // Compatibility reports: runs cut off by a restart are marked failed at start; runs in flight finish on stop.
    // The interlay service is looked up lazily (it is built further down).
    const compat = new CompatService({ prisma: db.prisma, endpoints, audit, notifier, log: log.child({ component: 'compat' }), interlays: interlayLookup(() => interlays) });
    starters.push(async () => void (await compat.recover()));
    stoppers.push(() => compat.stop());

    // Copy jobs: resume running jobs from their checkpoints after start; pause them (status kept) on stop.
    // A run copying where an interlay mirrors is coordinated with it (the interlay service is built below: looked up lazily).
    const copyJobs: CopyJobService = new CopyJobService({
      prisma: db.prisma,
      sql: db.sql,
      endpoints,
      audit,
      notifier,
      log: log.child({ component: 'copy-jobs' }),
      livePath: {
        coordination: (source, target) => interlays.liveCopy(source, target),
        completed: (source, target) => interlays.copyCompleted(source, target),
        coordinationOf: (id) => interlays.coordinatorOf(id),
      },
    });
    stoppers.push(() => copyJobs.stop());
    const interlays: InterlayService = new InterlayService({
      prisma: db.prisma,
      secrets: secrets.box,
      audit,
      notifier,
      endpoints,
      log: log.child({ component: 'interlays' }),
      createEngine: createInterlayEngine,
      // Keys the mirror failed on go to the copy jobs' error-key store (origin `mirror`).
      mirrorErrors: copyJobs.mirrorErrors,
      consoleHost: config.HOST,
      consolePort: config.PORT,
      // "Is the target in sync": the last copy job from the interlay's endpoint to the target since mirroring began.
      lastCopy: (source, target, since) =>
        db.prisma.copyJob.findFirst({
          where: { source, targets: { has: target }, createdAt: { gte: since } },
          orderBy: { createdAt: 'desc' },
          select: { id: true, status: true, startedAt: true },
        }),
    });
    if (config.RESTORE_INTERLAYS) starters.push(async () => void (await interlays.restore()));
    // After the interlays: a job resumed at start finds the mirrors it must be coordinated with running.
    starters.push(() => copyJobs.start());
    // First on stop: clients drain and mirrored writes land before engine work (copy jobs) pauses.
    stoppers.unshift(() => interlays.shutdown());
    closers.unshift(() => interlays.close());

    // The guided migration workflow: after start its host goes on with every run in a working state;
    // on stop it halts first (before interlays drain), so no run step races the shutdown.
    const migrations = new MigrationService({ prisma: db.prisma, audit, notifier, log: log.child({ component: 'workflow' }), endpoints, compat, copyJobs, interlays });
    starters.push(() => migrations.start());
    stoppers.unshift(() => migrations.stop());


    const boot = await auth.bootstrap({ username: config.ADMIN_USERNAME, password: config.ADMIN_PASSWORD, token: config.ADMIN_TOKEN });
    if (boot.created) {
      if (boot.generatedPassword) {
        // Printed once, on purpose outside the structured log so it is not shipped to log stores.
        process.stdout.write(
          `\n  First start: created the admin user.\n  Sign in at http://${config.HOST}:${config.PORT}/login as "${config.ADMIN_USERNAME}" with password: ${boot.generatedPassword}\n  (shown once; change it under Settings)\n\n`,
        );
      } else {
        log.info({ username: config.ADMIN_USERNAME }, 'created the admin user from ADMIN_PASSWORD');
      }
    }

    return {
      config,
      log,
      version: VERSION,
      db,
      prisma: db.prisma,
      notifier,
      audit,
      auth,
      endpoints,
      // [services:fields]
      compat,
      copyJobs,
      interlays,
      migrations,
      async start() {
        for (const s of starters) await s();
      },
      async stop() {
        for (const s of stoppers) await s().catch((err) => log.error({ err }, 'error while stopping'));
      },
      async close() {
        for (const c of closers) {
          await c().catch((err) => log.error({ err }, 'error while closing'));
        }
      },
    };
  } catch (e) {
    for (const c of closers) await c().catch(() => {});
    throw e;
  }
}
