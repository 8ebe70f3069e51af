/**
 * Runs test/copy-jobs-host.ts as a child process and follows what it prints: for fault
 * tests and bench/faults.ts that kill the console mid-copy (SIGKILL) and start it again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface HostProgress {
  id: string;
  status: string;
  scanned: number;
  copied: number;
  errors: number;
}

export interface CopyHostProcess {
  child: ChildProcess;
  /** The id printed for `create` (resolves once printed). */
  jobId: Promise<string>;
  /** The latest progress line of each job. */
  latest: Map<string, HostProgress>;
  /** Resolves with the first progress line `pred` accepts (rejects if the process exits first). */
  until(pred: (p: HostProgress) => boolean, timeoutMs?: number): Promise<HostProgress>;
  /** Sends `signal` and waits for the process to exit. */
  stop(signal: NodeJS.Signals): Promise<void>;
}

export interface CopyHostOptions {
  dataDir: string;
  databaseUrl?: string;
  endpoints?: Record<string, { host: string; port: number }>;
  create?: Record<string, unknown>;
}

const ENTRY = path.resolve(import.meta.dirname, 'copy-jobs-host.ts');

export function startCopyHost(o: CopyHostOptions): CopyHostProcess {
  const args = ['--import', 'tsx', ENTRY, '--data-dir', o.dataDir];
  if (o.databaseUrl) args.push('--database-url', o.databaseUrl);
  for (const [name, e] of Object.entries(o.endpoints ?? {})) args.push('--endpoint', `${name}=${e.host}:${e.port}`);
  if (o.create) args.push('--create', JSON.stringify(o.create));
  const child = spawn(process.execPath, args, { cwd: path.resolve(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] });
  const latest = new Map<string, HostProgress>();
  const watchers = new Set<() => void>();
  let stderr = '';
  let buffered = '';
  let resolveJob: (id: string) => void;
  const jobId = new Promise<string>((r) => (resolveJob = r));
  child.stderr!.on('data', (d) => (stderr = (stderr + String(d)).slice(-4000)));
  child.stdout!.on('data', (d) => {
    buffered += String(d);
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith('@@job ')) resolveJob(line.slice(6).trim());
      else if (line.startsWith('@@progress ')) {
        const p = JSON.parse(line.slice(11)) as HostProgress;
        latest.set(p.id, p);
      }
    }
    for (const w of [...watchers]) w();
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    jobId,
    latest,
    until(pred, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`copy host: timed out; stderr: ${stderr}`)), timeoutMs);
        const check = () => {
          for (const p of latest.values()) if (pred(p)) return done(undefined, p);
        };
        const onExit = () => done(new Error(`copy host exited (${child.exitCode ?? child.signalCode}); stderr: ${stderr}`));
        function done(err: Error | undefined, p?: HostProgress) {
          clearTimeout(timer);
          watchers.delete(check);
          child.off('exit', onExit);
          if (err) reject(err);
          else resolve(p!);
        }
        watchers.add(check);
        child.once('exit', onExit);
        check();
      });
    },
    async stop(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
