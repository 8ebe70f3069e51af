/**
 * The migration workflow API's contract: the setup schema (zod, shared by the server and the
 * browser's form), the request schemas, the JSON views the API answers with, the events, and
 * the list of routes with their permission. Browser-safe: zod and type-only imports.
 */
import { z } from 'zod';
import { endpointName } from '../endpoints/schema';
import { interlayId } from '../interlays/schema';
import { rateLimitSchema, CONFLICT_POLICIES } from '../copy-jobs/schema';
import { STAGES, WRITE_CONSISTENCY, type Stage, type WriteConsistency } from '../migration/stages';
import type { Permission } from '../auth/roles';
import type { FindingView, ReportSummary, ReportView } from '../compat/service';
import type { ErrorKeyCounts, ErrorKeyItem } from '../copy-jobs/views';
import { RUN_EVENTS, RUN_STATES, type Phase, type RunEvent, type RunState } from './state';

// ---- setup ----

export const STRATEGY_TYPES = ['big_bang', 'canary', 'blue_green', 'shadow'] as const;
export type StrategyType = (typeof STRATEGY_TYPES)[number];
export const DATA_MOVEMENTS = ['bulk_then_mirror', 'bulk_only', 'mirror_only'] as const;
export type DataMovement = (typeof DATA_MOVEMENTS)[number];
export const CANARY_WRITE_MODES = ['dual_write', 'cutover'] as const;

const percentage = z.number().int('must be a whole number').min(1, 'must be 1-100').max(100, 'must be 1-100');

export const strategySchema = z.discriminatedUnion('type', [
  /** All traffic moves at once after sync: dual_write → target_primary. */
  z.object({ type: z.literal('big_bang') }).strict(),
  /**
   * Reads move in steps (percent of reads served by the target), then everything moves.
   * `write_mode`: `dual_write` keeps writes on the source (mirrored to the target) until the
   * last step; `cutover` moves writes too at the final step only. Either way writes stay
   * mirrored at every canary step, so moving back loses nothing (README.md).
   */
  z
    .object({
      type: z.literal('canary'),
      read_percentage: z.array(percentage).min(1, 'at least one step').max(20).default([1, 5, 25, 50, 100]),
      write_mode: z.enum(CANARY_WRITE_MODES).default('dual_write'),
    })
    .strict(),
  /** Switch the active side; the other kept in sync for rollback. */
  z.object({ type: z.literal('blue_green'), active_is_new: z.boolean().default(true) }).strict(),
  /** Compare only: a sampled share of reads also goes to the target and is compared, never served. */
  z.object({ type: z.literal('shadow'), sample_rate: z.number().gt(0, 'must be above 0').max(1, 'must be at most 1').default(0.1) }).strict(),
]);
export type Strategy = z.infer<typeof strategySchema>;

export const rollbackWindowSchema = z
  .object({
    seconds: z.number().int('must be a whole number').min(0).max(30 * 86_400).optional(),
    minutes: z.number().int('must be a whole number').min(0).max(30 * 1_440).optional(),
  })
  .strict()
  .refine((w) => (w.seconds === undefined) !== (w.minutes === undefined), { message: 'give either seconds or minutes', path: ['seconds'] });

export const acceptanceCriteriaSchema = z
  .object({
    /** Differences the verification may find (missing + type + value + TTL). */
    max_differences: z.number().int().min(0).default(0),
    /** Mirror lag (oldest unapplied mirrored write) allowed at acceptance. */
    max_mirror_lag_ms: z.number().int().min(0).max(3_600_000).default(1000),
    /** Verification mode of the acceptance pass. */
    verify_mode: z.enum(['full', 'sample']).default('full'),
    ttl_tolerance_ms: z.number().int().min(0).max(86_400_000).default(2000),
  })
  .strict();

export const autoRollbackSchema = z
  .object({
    /** Share of target-served commands answered with an error (0-1). */
    max_target_error_rate: z.number().min(0).max(1).optional(),
    /** p99 latency of the target side, ms. */
    max_p99_ms: z.number().positive().max(600_000).optional(),
    /** How long a threshold must be exceeded before rolling back. */
    window_s: z.number().int().min(1).max(3600).default(30),
    /** Roll back when shadow/mirror divergences keep growing over the window. */
    divergence_growth: z.boolean().default(false),
  })
  .strict()
  .refine((a) => a.max_target_error_rate !== undefined || a.max_p99_ms !== undefined || a.divergence_growth, {
    message: 'set at least one threshold (max_target_error_rate, max_p99_ms or divergence_growth)',
    path: ['max_target_error_rate'],
  });

const username = z.string().min(1).max(128).regex(/^[^\s]+$/, 'a username');

export const setupSchema = z
  .object({
    source: endpointName,
    target: endpointName,
    mirror_targets: z.array(endpointName).max(8, 'at most 8 mirror targets').default([]),
    /** The interlay applications connect to; its endpoint must be the source. */
    interlay: interlayId,
    strategy: strategySchema,
    data_movement: z.enum(DATA_MOVEMENTS).default('bulk_then_mirror'),
    /** With live mirroring only Replace is valid (a mirrored write must overwrite). */
    conflict_policy: z.enum(CONFLICT_POLICIES).default('Replace'),
    write_consistency: z.enum(WRITE_CONSISTENCY).default('SourceAuthoritative'),
    preserve_ttl: z.boolean().default(true),
    key_filters: z
      .object({
        match: z.array(z.string().min(1).max(1024)).max(64).optional(),
        types: z.array(z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'a Redis type name, e.g. hash')).max(32).optional(),
      })
      .strict()
      .default({}),
    /** Source db → target db; only the listed dbs are copied. */
    databases: z.record(z.string().regex(/^\d{1,5}$/, 'a database number'), z.number().int().min(0).max(65535)).optional(),
    rate_limit: rateLimitSchema.optional(),
    rollback_window: rollbackWindowSchema.default({ minutes: 60 }),
    acceptance: acceptanceCriteriaSchema.default({ max_differences: 0, max_mirror_lag_ms: 1000, verify_mode: 'full', ttl_tolerance_ms: 2000 }),
    /** A second approver (not the first) must approve completion. */
    completion_second_approver: z.boolean().default(false),
    /** Besides operators, this user may roll back (e.g. the on-call approver). */
    rollback_approver: username.optional(),
    auto_rollback: autoRollbackSchema.optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.source === v.target) ctx.addIssue({ code: 'custom', path: ['target'], message: 'must differ from source' });
    const seen = new Set<string>();
    v.mirror_targets.forEach((m, i) => {
      if (m === v.source || m === v.target) ctx.addIssue({ code: 'custom', path: ['mirror_targets', i], message: 'must differ from source and target' });
      else if (seen.has(m)) ctx.addIssue({ code: 'custom', path: ['mirror_targets', i], message: 'listed twice' });
      seen.add(m);
    });
    if (v.data_movement !== 'bulk_only' && v.conflict_policy !== 'Replace') {
      ctx.addIssue({ code: 'custom', path: ['conflict_policy'], message: `only Replace is valid with live mirroring (data_movement ${v.data_movement}); a mirrored write must overwrite` });
    }
    if (v.data_movement === 'bulk_only' && v.strategy.type !== 'big_bang') {
      ctx.addIssue({ code: 'custom', path: ['strategy', 'type'], message: 'bulk_only (offline) moves traffic once at completion: use big_bang' });
    }
    if (v.strategy.type === 'canary') {
      const steps = v.strategy.read_percentage;
      steps.forEach((p, i) => {
        if (i > 0 && p <= steps[i - 1]!) ctx.addIssue({ code: 'custom', path: ['strategy', 'read_percentage', i], message: 'steps must increase' });
      });
    }
  });

/** The setup as submitted (defaults applied): what a run stores and its approval freezes. */
export type MigrationSetup = z.infer<typeof setupSchema>;
/** The setup as a form holds it before defaults. */
export type MigrationSetupInput = z.input<typeof setupSchema>;

export function rollbackWindowMs(w: MigrationSetup['rollback_window']): number {
  return ((w.seconds ?? 0) + (w.minutes ?? 0) * 60) * 1000;
}

// ---- requests ----

export const RUN_ID = /^[0-9a-f-]{36}$/;
export const runParams = z.object({ id: z.uuid('not a migration id') });
export const findingParams = z.object({ id: z.uuid('not a migration id'), check: z.string().min(1).max(64) });

export const createRunSchema = z
  .object({
    name: z.string().trim().min(1, 'is required').max(200),
    /** Optional setup submitted at once (draft → setup_submitted). */
    setup: setupSchema.optional(),
  })
  .strict();

export const listRunsQuery = z.object({
  state: z.enum(RUN_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const acknowledgeSchema = z.object({ notes: z.string().trim().min(1, 'say why this is acceptable').max(4000) }).strict();

const reasonText = z.string().trim().min(1, 'is required').max(1000);

export const approveSchema = z.object({ note: z.string().trim().max(2000).optional() }).strict();
export const reasonSchema = z.object({ reason: z.string().trim().max(1000).optional() }).strict();

/**
 * POST /traffic: move to a plan step (`step`, its index in `traffic.steps`) or name a stage
 * (and a canary `percentage`). Only the next or the previous step without `force`.
 */
export const trafficSchema = z
  .object({
    step: z.number().int().min(0).max(100).optional(),
    stage: z.enum(STAGES).optional(),
    percentage: percentage.optional(),
    force: z.boolean().optional(),
    reason: z.string().trim().max(1000).optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if ((t.step === undefined) === (t.stage === undefined)) ctx.addIssue({ code: 'custom', path: ['step'], message: 'give either step or stage' });
    if (t.stage === 'canary' && t.percentage === undefined) ctx.addIssue({ code: 'custom', path: ['percentage'], message: 'a canary stage needs its read percentage' });
    if (t.force && !t.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'say why the move is forced' });
  });
export type TrafficInput = z.infer<typeof trafficSchema>;

/** POST /acceptance: `verify` starts the verification pass; `confirm` is the operator's confirmation. */
export const acceptanceActionSchema = z
  .object({
    action: z.enum(['verify', 'confirm']),
    /** Accept the remaining unresolved error keys explicitly (confirm only). */
    accept_error_keys: z.boolean().optional(),
    note: z.string().trim().max(2000).optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.accept_error_keys && !a.note) ctx.addIssue({ code: 'custom', path: ['note'], message: 'say why the error keys are acceptable' });
  });
export type AcceptanceAction = z.infer<typeof acceptanceActionSchema>;

export const completeSchema = z.object({ note: z.string().trim().max(2000).optional() }).strict();
export const rollbackSchema = z.object({ reason: reasonText }).strict();
/** POST /close: why the run is closed (after a completion: why the rollback window ends early). */
export const closeSchema = z.object({ reason: reasonText }).strict();

export const eventsQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

/** GET …/events/stream: `after` (or the `Last-Event-ID` header, whichever is later). */
export const streamQuery = z.object({ after: z.coerce.number().int().min(0).default(0) });

export const errorKeysQuery = z.object({
  resolved: z.enum(['true', 'false']).transform((s) => s === 'true').optional(),
  cursor: z.string().regex(/^\d{1,19}$/, 'a cursor from next_cursor').optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  format: z.enum(['json', 'csv', 'jsonl']).default('json'),
});

export const retryErrorKeysSchema = z.object({ ids: z.array(z.string().regex(/^\d{1,19}$/, 'an error key id')).min(1).max(10_000).optional() }).strict();

// ---- views ----

/** One traffic step of a run's plan (plan.ts): the interlay routing it sets. */
export interface PlanStep {
  index: number;
  stage: Stage;
  /** Reads served by the target (canary steps). */
  canary_percent?: number;
  /** Shadow read sample rate (shadow steps). */
  shadow_sample_rate?: number;
  label: string;
}

export interface FailureView {
  reason: string;
  retryable: boolean;
  /** The state it failed in (retry returns there). */
  in_state: RunState;
  at: string;
}

export interface AcceptanceView {
  verification_id: string | null;
  verification_status: 'running' | 'completed' | 'failed' | null;
  differences: number | null;
  mirror_lag_ms: number | null;
  error_keys_unresolved: number;
  error_keys_accepted: { by: string; at: string; note: string } | null;
  /** Each criterion, met or not, with a reason a person reads. */
  checks: { name: 'verification' | 'mirror_lag' | 'error_keys'; ok: boolean; detail: string }[];
  met: boolean;
  confirmed_by: string | null;
  confirmed_at: string | null;
}

export interface RollbackOutcome {
  started_at: string;
  finished_at: string | null;
  reason: string;
  by: string;
  /** Automatic (monitor) or a person. */
  automatic: boolean;
  /** Stages gone through, from the first to `source`. */
  stages: Stage[];
  verification: { differences: number; checked: number; missing: number } | null;
  ok: boolean | null;
}

export interface RunView {
  id: string;
  name: string;
  state: RunState;
  /** The state paused / failed was entered from. */
  return_to: RunState | null;
  phase: Phase | null;
  version: number;
  allowed_events: RunEvent[];
  setup: MigrationSetup | null;
  /** sha256 of the setup at approval; a change clears the approval. */
  setup_hash: string | null;
  submitted_by: string | null;
  approved_by: string | null;
  approved_at: string | null;
  completion_approved_by: string | null;
  report_id: string | null;
  copy_job_id: string | null;
  traffic: { steps: PlanStep[]; current_step: number | null; stage: Stage | null };
  acceptance: AcceptanceView | null;
  failure: FailureView | null;
  rollback: RollbackOutcome | null;
  /** Set while completed: the source stays available until then. */
  rollback_window_ends_at: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface ChecksView {
  run_id: string;
  report: ReportView | null;
  findings: FindingView[];
  summary: ReportSummary | null;
  analysis: ReportView['analysis'] | null;
  test_run: ReportView['test_run'];
  /** Whether approval is possible now, and why not. */
  approvable: boolean;
  blockers: string[];
}

export interface SideMetrics {
  name: string;
  role: 'primary' | 'secondary' | 'mirror';
  state: 'up' | 'down' | 'reconnecting';
  ops_per_sec: number;
  p50_us: number;
  p99_us: number;
  failures: number;
  lag_ms: number;
  queue_depth: number;
  in_sync: boolean;
}

export interface MetricsView {
  run_id: string;
  at: number;
  interlay: {
    id: string;
    running: boolean;
    stage: Stage;
    policy: WriteConsistency;
    ops_per_sec: number;
    latency_us: { p50: number; p99: number };
    errors: number;
    sides: SideMetrics[];
  } | null;
  copy: {
    job_id: string;
    status: string;
    keys_copied: number;
    keys_total: number;
    percent: number;
    keys_per_sec: number;
    eta_s: number | null;
  } | null;
  mirror: { lag_ms: number; failures: number; queue_depth: number; pending_syncs: number; in_sync: boolean } | null;
  divergence: { shadow_compared: number; shadow_divergent: number; rate: number; mirror_divergences: number } | null;
  error_keys: ErrorKeyCounts | null;
}

export interface TransitionView {
  id: string;
  from: RunState;
  to: RunState;
  event: RunEvent;
  actor: string;
  reason: string | null;
  at: string;
}

export type { ErrorKeyItem };

// ---- events ----

export const EVENT_TYPES = ['state', 'check', 'progress', 'traffic', 'error_keys', 'action', 'monitor'] as const;
export type MigrationEventType = (typeof EVENT_TYPES)[number];

/** What each event type carries. */
export interface MigrationEventData {
  /** A state change (every transition). */
  state: { from: RunState; to: RunState; event: RunEvent; reason: string | null };
  /** A compatibility report result (prepare) or an acceptance criterion evaluated. */
  check: { report_id?: string; name: string; ok: boolean; detail: string; summary?: ReportSummary };
  /** A milestone: copy 25/50/75/100 %, mirror drained, verification done. */
  progress: { milestone: string; percent?: number; detail?: string };
  /** The interlay's routing moved. */
  traffic: { from: Stage; to: Stage; step: number | null; canary_percent?: number; forced: boolean; reason: string | null };
  /** New error keys appeared faster than the burst threshold. */
  error_keys: { unresolved: number; new: number };
  /** An operator's or approver's action (acknowledge, approve, confirm, ...). */
  action: { action: string; details?: Record<string, unknown> };
  /** The auto-rollback monitor saw a threshold exceeded. */
  monitor: { metric: 'target_error_rate' | 'p99_ms' | 'divergence'; value: number; threshold: number; detail: string };
}

export type MigrationEvent = {
  [T in MigrationEventType]: { run_id: string; seq: number; type: T; at: string; actor: string; data: MigrationEventData[T] };
}[MigrationEventType];

// ---- routes ----

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  permission: Permission;
  summary: string;
}

/** Every route of the workflow API (OpenAPI and the UI read this). */
export const MIGRATION_ROUTES: readonly RouteSpec[] = [
  { method: 'GET', path: '/api/v1/migrations', permission: 'read', summary: 'List runs (?state, ?limit)' },
  { method: 'POST', path: '/api/v1/migrations', permission: 'operate', summary: 'Create a run (draft), optionally with its setup' },
  { method: 'GET', path: '/api/v1/migrations/{id}', permission: 'read', summary: 'A run' },
  { method: 'DELETE', path: '/api/v1/migrations/{id}', permission: 'operate', summary: 'Delete a draft run' },
  { method: 'PUT', path: '/api/v1/migrations/{id}/setup', permission: 'operate', summary: 'Submit or change the setup (after approval: needs a new prepare and approval)' },
  { method: 'POST', path: '/api/v1/migrations/{id}/prepare', permission: 'operate', summary: 'Run the compatibility checks, analysis and test run' },
  { method: 'GET', path: '/api/v1/migrations/{id}/checks', permission: 'read', summary: 'Findings, analysis and test-run output of the prepare report' },
  { method: 'POST', path: '/api/v1/migrations/{id}/findings/{check}/acknowledge', permission: 'approve', summary: 'Acknowledge a warning with notes' },
  { method: 'POST', path: '/api/v1/migrations/{id}/approve', permission: 'approve', summary: 'Approve execution (not the submitter)' },
  { method: 'POST', path: '/api/v1/migrations/{id}/execute', permission: 'operate', summary: 'Start the approved data movement' },
  { method: 'POST', path: '/api/v1/migrations/{id}/approve-completion', permission: 'approve', summary: 'Second approval for completion' },
  { method: 'POST', path: '/api/v1/migrations/{id}/pause', permission: 'operate', summary: 'Pause (executing, synced, shifting)' },
  { method: 'POST', path: '/api/v1/migrations/{id}/resume', permission: 'operate', summary: 'Resume where it was paused' },
  { method: 'POST', path: '/api/v1/migrations/{id}/traffic', permission: 'operate', summary: 'Move traffic to a plan step or stage' },
  { method: 'GET', path: '/api/v1/migrations/{id}/acceptance', permission: 'read', summary: 'Acceptance criteria and their state' },
  { method: 'POST', path: '/api/v1/migrations/{id}/acceptance', permission: 'operate', summary: 'Start the verification pass or confirm acceptance' },
  { method: 'POST', path: '/api/v1/migrations/{id}/complete', permission: 'operate', summary: 'Complete (opens the rollback window)' },
  { method: 'POST', path: '/api/v1/migrations/{id}/rollback', permission: 'read', summary: 'Roll back (operators, admins or the named rollback approver)' },
  { method: 'POST', path: '/api/v1/migrations/{id}/retry', permission: 'operate', summary: 'Retry a failed run where it failed' },
  { method: 'POST', path: '/api/v1/migrations/{id}/cancel', permission: 'operate', summary: 'Close a run before any data moved' },
  { method: 'POST', path: '/api/v1/migrations/{id}/close', permission: 'operate', summary: 'Close a completed run before its rollback window ends (no rollback after), or a rolled-back run' },
  { method: 'GET', path: '/api/v1/migrations/{id}/metrics', permission: 'read', summary: 'Interlay per side, copy progress, mirror, divergence, error keys' },
  { method: 'GET', path: '/api/v1/migrations/{id}/error-keys', permission: 'read', summary: 'Error keys (?format=csv|jsonl exports)' },
  { method: 'POST', path: '/api/v1/migrations/{id}/error-keys/retry', permission: 'operate', summary: 'Retry error keys through the copy job' },
  { method: 'GET', path: '/api/v1/migrations/{id}/transitions', permission: 'read', summary: 'State history' },
  { method: 'GET', path: '/api/v1/migrations/{id}/events', permission: 'read', summary: 'Events after a sequence number (?after, ?limit)' },
  { method: 'GET', path: '/api/v1/migrations/{id}/events/stream', permission: 'read', summary: 'Server-Sent Events (Last-Event-ID or ?after)' },
];

/** Socket.IO: join `migrationRoom(id)`; each persisted event comes as `migration:event`. */
export function migrationRoom(id: string): string {
  return `migration:${id}`;
}

export { RUN_EVENTS, RUN_STATES };
