import { describe, expect, it } from 'vitest';
import { closingStage, completionStage, copyOptions, isAdjacent, planSteps } from './plan';
import { setupSchema, type MigrationSetupInput } from './schema';

const setup = (o: Partial<MigrationSetupInput> = {}) => setupSchema.parse({ source: 'src', target: 'dst', interlay: 'live', strategy: { type: 'big_bang' }, ...o });
const stages = (o: Partial<MigrationSetupInput>) => planSteps(setup(o)).map((s) => `${s.stage}${s.canary_percent ?? ''}`);

describe('traffic plan', () => {
  it('gives each strategy its steps, dual_write first', () => {
    expect(stages({})).toEqual(['dual_write', 'target_primary']);
    expect(stages({ strategy: { type: 'canary' } })).toEqual(['dual_write', 'canary1', 'canary5', 'canary25', 'canary50', 'canary100', 'target_primary']);
    expect(stages({ strategy: { type: 'canary', read_percentage: [10], write_mode: 'cutover' } })).toEqual(['dual_write', 'canary10', 'target_primary']);
    expect(stages({ strategy: { type: 'blue_green' } })).toEqual(['dual_write', 'target_primary']);
    expect(stages({ strategy: { type: 'blue_green', active_is_new: false } })).toEqual(['dual_write']);
    expect(planSteps(setup({ strategy: { type: 'shadow', sample_rate: 0.25 } }))[1]).toMatchObject({ index: 1, stage: 'shadow', shadow_sample_rate: 0.25 });
    expect(stages({ data_movement: 'bulk_only' })).toEqual([]);
  });

  it('completes and closes in the stage each strategy means', () => {
    expect([completionStage(setup()), closingStage(setup())]).toEqual(['target_primary', 'target']);
    const shadow = setup({ strategy: { type: 'shadow' } });
    expect([completionStage(shadow), closingStage(shadow)]).toEqual(['shadow', 'source']);
    const standby = setup({ strategy: { type: 'blue_green', active_is_new: false } });
    expect([completionStage(standby), closingStage(standby)]).toEqual(['dual_write', 'dual_write']);
  });

  it('allows the next or previous step only', () => {
    expect(isAdjacent(null, 0)).toBe(true);
    expect(isAdjacent(null, 1)).toBe(false);
    expect(isAdjacent(2, 1)).toBe(true);
    expect(isAdjacent(2, 3)).toBe(true);
    expect(isAdjacent(1, 3)).toBe(false);
    expect(isAdjacent(2, 2)).toBe(false);
  });

  it('copies to the target and every mirror with the setup filters', () => {
    expect(copyOptions(setup({ mirror_targets: ['m1'], key_filters: { match: ['user:*'] } }))).toMatchObject({ source: 'src', targets: ['dst', 'm1'], match: ['user:*'], conflict_policy: 'Replace', preserve_ttl: true });
  });
});

describe('setup schema', () => {
  const issues = (o: Record<string, unknown>) => {
    const r = setupSchema.safeParse({ source: 'src', target: 'dst', interlay: 'live', strategy: { type: 'big_bang' }, ...o });
    return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
  };

  it('applies the defaults the issue names', () => {
    expect(setup()).toMatchObject({ data_movement: 'bulk_then_mirror', conflict_policy: 'Replace', write_consistency: 'SourceAuthoritative', preserve_ttl: true, mirror_targets: [], rollback_window: { minutes: 60 } });
  });

  it('answers with the field that is wrong', () => {
    expect(issues({ conflict_policy: 'None' })).toEqual(['conflict_policy']);
    expect(issues({ conflict_policy: 'None', data_movement: 'bulk_only' })).toEqual([]);
    expect(issues({ target: 'src' })).toEqual(['target']);
    expect(issues({ mirror_targets: ['dst', 'm', 'm'] })).toEqual(['mirror_targets.0', 'mirror_targets.2']);
    expect(issues({ strategy: { type: 'canary', read_percentage: [5, 5] } })).toEqual(['strategy.read_percentage.1']);
    expect(issues({ strategy: { type: 'shadow', sample_rate: 0 } })).toEqual(['strategy.sample_rate']);
    expect(issues({ rollback_window: {} })).toEqual(['rollback_window.seconds']);
    expect(issues({ auto_rollback: { window_s: 10 } })).toEqual(['auto_rollback.max_target_error_rate']);
    expect(issues({ write_consistency: 'Eventually' })).toEqual(['write_consistency']);
  });
});
