import { describe, expect, it } from 'vitest';
import { testRunFinding, type TestRunResult } from './test-run';

const base: TestRunResult = {
  copier: 'x', requested: 10, match: null, selected: 3, skipped_existing: 0, copied: 3, verified: 3, mismatched: 0, rechecked: 0, removed: 3, bytes: 30, duration_ms: 1,
  throughput: { keys_per_sec: 3000, bytes_per_sec: 30000 }, projected_full_copy_seconds: 0.001, per_type: [], errors: [], mismatches: [], smoke: [{ where: 'a', ok: true, detail: '' }],
};

describe('test run finding', () => {
  it('passes when every copied key verifies; blocks on mismatches; warns on errors or failed smoke tests', () => {
    expect(testRunFinding(base).severity).toBe('pass');
    expect(testRunFinding({ ...base, mismatched: 1, verified: 2, mismatches: [{ db: 0, key: 'k', kind: 'value_mismatch', detail: '' }] }).severity).toBe('blocking');
    const oom = testRunFinding({ ...base, copied: 0, verified: 0, errors: [{ db: 0, key: 'k', message: 'target_oom: OOM' }] });
    expect(oom.severity).toBe('warning');
    expect(oom.evidence).toMatchObject({ errors: 1 });
    expect(testRunFinding({ ...base, smoke: [{ where: 'tgt', ok: false, detail: 'SET refused' }] }).severity).toBe('warning');
  });
});
