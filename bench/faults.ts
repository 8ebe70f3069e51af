/**
 * The fault suite (issue "Trustworthy under faults"): each scenario against real
 * redis-servers, with its figures — keys total / missing / different and the time until
 * work resumed (test/fault-scenarios.ts).
 *
 *   npx tsx bench/faults.ts [--keys 200000] [--only a,b,c,d]
 *
 * a console kill -9 mid-copy · b target kill -9 + empty restart mid-copy · c source stall
 * (DEBUG SLEEP 5) · d interlay backend kill under load (error replies, hangs, resume).
 * Exits 1 when a scenario lost or changed a key, ended a job other than `completed`, or
 * left a client hanging.
 */
import { arg, argText } from './common';
import { backendKill, consoleKill, sourceStall, targetKill, type CopyFaultFigures } from '../test/fault-scenarios';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const keys = arg('keys', 200_000);
  const only = new Set((argText('only') ?? 'a,b,c,d').split(','));
  let bad = false;
  const copy: [string, (n: number) => Promise<CopyFaultFigures>][] = [
    ['a', consoleKill],
    ['b', targetKill],
    ['c', sourceStall],
  ];
  for (const [id, run] of copy) {
    if (!only.has(id)) continue;
    const f = await run(keys);
    const ok = f.status === 'completed' && f.missing === 0 && f.different === 0;
    bad ||= !ok;
    console.log(`${f.scenario.padEnd(34)} job ${f.status.padEnd(9)} keys ${fmt(f.keys).padStart(9)}  missing ${fmt(f.missing)}  different ${fmt(f.different)}  resumed after ${fmt(f.resumeMs)} ms${ok ? '' : '  !!'}`);
  }
  if (only.has('d')) {
    const f = await backendKill();
    const ok = f.hangs === 0 && f.resumeMs >= 0 && f.errors > 0;
    bad ||= !ok;
    console.log(
      `${f.scenario.padEnd(34)} ok ${fmt(f.ok)}  error replies ${fmt(f.errors)} (first ${fmt(f.firstErrorMs)} ms after the kill)  hangs ${f.hangs}  every client writing again ${fmt(f.resumeMs)} ms after the restart${ok ? '' : '  !!'}`,
    );
  }
  process.exitCode = bad ? 1 : 0;
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
