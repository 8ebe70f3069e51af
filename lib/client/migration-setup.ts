/**
 * The setup form's values and the API body, both ways: `fromSetup` fills the form from a
 * stored setup, `toBody` builds the PUT …/setup body (checked by the server's own schema
 * before it is sent), and `mapPath` names the input of a server issue path that the form
 * lays out differently (`rollback_window.minutes` → the amount input).
 */
import { parseDbMapping } from './db-mapping';
import type { ApiIssue } from './api';
import type { CANARY_WRITE_MODES, CONFLICT_POLICIES, DataMovement, MigrationSetup, MigrationSetupInput, StrategyType, WriteConsistency } from './migration-types';

type Num = number | string;

/** The form's values: numbers may be '' while an input is empty; the db mapping is text. */
export interface Values {
  source: string | null;
  target: string | null;
  mirror_targets: string[];
  interlay: string | null;
  strategy: { type: StrategyType; read_percentage: Num[]; write_mode: (typeof CANARY_WRITE_MODES)[number]; active_is_new: boolean; sample_rate: Num };
  data_movement: DataMovement;
  conflict_policy: (typeof CONFLICT_POLICIES)[number];
  write_consistency: WriteConsistency;
  preserve_ttl: boolean;
  key_filters: { match: string[]; types: string[] };
  databases: string;
  rate_limit: { keys_per_sec: Num; mb_per_sec: Num };
  rollback_window: { amount: Num; unit: 'minutes' | 'seconds' };
  acceptance: { max_differences: Num; max_mirror_lag_ms: Num; verify_mode: 'full' | 'sample'; ttl_tolerance_ms: Num };
  completion_second_approver: boolean;
  rollback_approver: string;
  auto_rollback_on: boolean;
  auto_rollback: { max_target_error_rate: Num; max_p99_ms: Num; window_s: Num; divergence_growth: boolean };
}

const num = (v: Num) => (v === '' || v === undefined || v === null ? undefined : Number(v));

/** The form's values for a stored setup (the defaults for a draft). */
export function fromSetup(s: MigrationSetup | null): Values {
  const st = s?.strategy;
  const w = s?.rollback_window;
  return {
    source: s?.source ?? null,
    target: s?.target ?? null,
    mirror_targets: s?.mirror_targets ?? [],
    interlay: s?.interlay ?? null,
    strategy: {
      type: st?.type ?? 'big_bang',
      read_percentage: st?.type === 'canary' ? st.read_percentage : [1, 5, 25, 50, 100],
      write_mode: st?.type === 'canary' ? st.write_mode : 'dual_write',
      active_is_new: st?.type === 'blue_green' ? st.active_is_new : true,
      sample_rate: st?.type === 'shadow' ? st.sample_rate : 0.1,
    },
    data_movement: s?.data_movement ?? 'bulk_then_mirror',
    conflict_policy: s?.conflict_policy ?? 'Replace',
    write_consistency: s?.write_consistency ?? 'SourceAuthoritative',
    preserve_ttl: s?.preserve_ttl ?? true,
    key_filters: { match: s?.key_filters.match ?? [], types: s?.key_filters.types ?? [] },
    databases: Object.entries(s?.databases ?? {})
      .map(([from, to]) => `${from}:${to}`)
      .join(', '),
    rate_limit: { keys_per_sec: s?.rate_limit?.keys_per_sec ?? '', mb_per_sec: s?.rate_limit?.mb_per_sec ?? '' },
    rollback_window: w?.seconds !== undefined ? { amount: w.seconds, unit: 'seconds' } : { amount: w?.minutes ?? 60, unit: 'minutes' },
    acceptance: {
      max_differences: s?.acceptance.max_differences ?? 0,
      max_mirror_lag_ms: s?.acceptance.max_mirror_lag_ms ?? 1000,
      verify_mode: s?.acceptance.verify_mode ?? 'full',
      ttl_tolerance_ms: s?.acceptance.ttl_tolerance_ms ?? 2000,
    },
    completion_second_approver: s?.completion_second_approver ?? false,
    rollback_approver: s?.rollback_approver ?? '',
    auto_rollback_on: Boolean(s?.auto_rollback),
    auto_rollback: {
      max_target_error_rate: s?.auto_rollback?.max_target_error_rate ?? '',
      max_p99_ms: s?.auto_rollback?.max_p99_ms ?? '',
      window_s: s?.auto_rollback?.window_s ?? 30,
      divergence_growth: s?.auto_rollback?.divergence_growth ?? false,
    },
  };
}

function strategyBody(s: Values['strategy']): MigrationSetupInput['strategy'] {
  switch (s.type) {
    case 'big_bang':
      return { type: 'big_bang' };
    case 'canary':
      return { type: 'canary', read_percentage: s.read_percentage.map((p) => Number(p)), write_mode: s.write_mode };
    case 'blue_green':
      return { type: 'blue_green', active_is_new: s.active_is_new };
    case 'shadow':
      return { type: 'shadow', sample_rate: Number(s.sample_rate) };
  }
}

/** The request body; a db mapping that does not parse is a field issue like the server's. */
export function toBody(v: Values): { body: MigrationSetupInput; issues: ApiIssue[] } {
  const issues: ApiIssue[] = [];
  let databases: Record<string, number> | undefined;
  try {
    databases = parseDbMapping(v.databases);
  } catch (e) {
    issues.push({ path: 'databases', message: (e as Error).message });
  }
  const rate = { keys_per_sec: num(v.rate_limit.keys_per_sec), mb_per_sec: num(v.rate_limit.mb_per_sec) };
  const body: MigrationSetupInput = {
    source: v.source ?? '',
    target: v.target ?? '',
    mirror_targets: v.mirror_targets,
    interlay: v.interlay ?? '',
    strategy: strategyBody(v.strategy),
    data_movement: v.data_movement,
    conflict_policy: v.conflict_policy,
    write_consistency: v.write_consistency,
    preserve_ttl: v.preserve_ttl,
    key_filters: { ...(v.key_filters.match.length ? { match: v.key_filters.match } : {}), ...(v.key_filters.types.length ? { types: v.key_filters.types } : {}) },
    ...(databases ? { databases } : {}),
    ...(rate.keys_per_sec !== undefined || rate.mb_per_sec !== undefined ? { rate_limit: rate } : {}),
    rollback_window: { [v.rollback_window.unit]: num(v.rollback_window.amount) },
    acceptance: {
      max_differences: num(v.acceptance.max_differences),
      max_mirror_lag_ms: num(v.acceptance.max_mirror_lag_ms),
      verify_mode: v.acceptance.verify_mode,
      ttl_tolerance_ms: num(v.acceptance.ttl_tolerance_ms),
    },
    completion_second_approver: v.completion_second_approver,
    ...(v.rollback_approver.trim() ? { rollback_approver: v.rollback_approver.trim() } : {}),
    ...(v.auto_rollback_on
      ? {
          auto_rollback: {
            max_target_error_rate: num(v.auto_rollback.max_target_error_rate),
            max_p99_ms: num(v.auto_rollback.max_p99_ms),
            window_s: num(v.auto_rollback.window_s),
            divergence_growth: v.auto_rollback.divergence_growth,
          },
        }
      : {}),
  };
  return { body, issues };
}

/** Server paths whose input is laid out differently in the form (for applyServerErrors). */
export function mapPath(path: string): string | null | undefined {
  const p = path.replace(/^setup\./, '');
  if (p.startsWith('rollback_window')) return 'rollback_window.amount';
  if (p.startsWith('databases')) return 'databases';
  if (p.startsWith('mirror_targets')) return 'mirror_targets';
  const filter = /^key_filters\.(match|types)/.exec(p);
  if (filter) return `key_filters.${filter[1]}`;
  if (p === 'strategy') return 'strategy.type';
  return undefined;
}
