import { describe, expect, it } from 'vitest';
import { setupSchema, type MigrationSetup } from '@/lib/workflow/schema';
import { fromSetup, mapPath, toBody } from './migration-setup';

const parse = (v: ReturnType<typeof fromSetup>) => setupSchema.safeParse(toBody(v).body);

describe('setup form values', () => {
  it('turn a stored setup into the same setup again', () => {
    const setup: MigrationSetup = setupSchema.parse({
      source: 'src',
      target: 'tgt',
      mirror_targets: ['dr'],
      interlay: 'app-il',
      strategy: { type: 'canary', read_percentage: [5, 50, 100], write_mode: 'cutover' },
      key_filters: { match: ['session:*'], types: ['hash'] },
      databases: { '0': 0, '1': 5 },
      rate_limit: { keys_per_sec: 5000 },
      rollback_window: { seconds: 90 },
      acceptance: { max_differences: 2, max_mirror_lag_ms: 500, verify_mode: 'sample', ttl_tolerance_ms: 1000 },
      completion_second_approver: true,
      rollback_approver: 'oncall',
      auto_rollback: { max_p99_ms: 50, window_s: 20 },
    });
    const again = parse(fromSetup(setup));
    expect(again.success && again.data).toEqual(setup);
  });

  it('start a draft with the schema defaults, missing only the choices a person makes', () => {
    const r = parse(fromSetup(null));
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.'));
    expect([...new Set(paths)].sort()).toEqual(['interlay', 'source', 'target']);
    const v = { ...fromSetup(null), source: 'a', target: 'b', interlay: 'il' };
    const ok = parse(v);
    expect(ok.success && ok.data).toMatchObject({ strategy: { type: 'big_bang' }, data_movement: 'bulk_then_mirror', conflict_policy: 'Replace', rollback_window: { minutes: 60 } });
    expect(ok.success && 'auto_rollback' in ok.data).toBe(false);
  });

  it('report a db mapping that does not parse as an issue of its field', () => {
    const { issues } = toBody({ ...fromSetup(null), databases: '0:0, one:2' });
    expect(issues).toEqual([{ path: 'databases', message: expect.stringContaining('"one:2"') }]);
  });

  it('put server issues on the inputs that show them', () => {
    expect(mapPath('rollback_window.minutes')).toBe('rollback_window.amount');
    expect(mapPath('databases.7')).toBe('databases');
    expect(mapPath('mirror_targets.1')).toBe('mirror_targets');
    expect(mapPath('key_filters.match.0')).toBe('key_filters.match');
    expect(mapPath('strategy')).toBe('strategy.type');
    // Paths the form holds as they are fall back to applyServerErrors' own lookup.
    expect(mapPath('strategy.read_percentage.2')).toBeUndefined();
    expect(mapPath('interlay')).toBeUndefined();
  });
});
