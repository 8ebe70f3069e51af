/**
 * Fault suite scenario (d) (test/fault-scenarios.ts, bench/faults.ts): eight writers through
 * an interlay while its backend is killed with SIGKILL and restarted 3 s later. Clients get
 * error replies during the outage, promptly; no command hangs; every client writes again
 * soon after the restart.
 */
import { describe, expect, it } from 'vitest';
import { backendKill } from '@/test/fault-scenarios';

describe('interlay backend kill under load', () => {
  it('answers with errors during the outage, never hangs, and recovers after the restart', async () => {
    const f = await backendKill({ clients: 8, downMs: 3000, hangMs: 10_000 });
    expect(f.hangs).toBe(0);
    expect(f.errors).toBeGreaterThan(0);
    expect(f.firstErrorMs).toBeGreaterThanOrEqual(0);
    expect(f.firstErrorMs).toBeLessThan(3000);
    expect(f.resumeMs).toBeGreaterThanOrEqual(0);
    expect(f.resumeMs).toBeLessThan(10_000);
    expect(f.ok).toBeGreaterThan(1000);
  }, 60_000);
});
