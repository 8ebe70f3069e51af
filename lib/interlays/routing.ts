/**
 * Routing changes as the service applies them, without the database or the engine: merging
 * a PUT into the stored routing, the rules that make a move legal, and what "the target is
 * in sync" means. The engine's side (quiescing, mirroring) is lib/interlay/routing.ts.
 */
import { AppError, conflict, type FieldIssue } from '../errors';
import { isRollback, mirrors as stageMirrors, needsSyncedTarget, type Stage } from '../migration/stages';
import { DEFAULT_ROUTING, type RoutingInput, type StoredRouting } from './schema';

/** The stored routing of a row (null: never set). */
export function storedRouting(raw: unknown): StoredRouting {
  return raw === null || raw === undefined ? { ...DEFAULT_ROUTING } : { ...DEFAULT_ROUTING, ...(raw as Partial<StoredRouting>) };
}

/** Applies a PUT over the current routing; field errors for what cannot be (400). */
export function mergeRouting(input: RoutingInput, current: StoredRouting, ctx: { endpoint: string; actor: string; now: Date }): StoredRouting {
  const next: StoredRouting = {
    ...current,
    stage: input.stage,
    policy: input.policy ?? current.policy,
    target: input.target === undefined ? current.target : input.target,
    mirrors: input.mirrors ?? current.mirrors,
    canary_percent: input.canary_percent ?? current.canary_percent,
    shadow_sample_rate: input.shadow_sample_rate ?? current.shadow_sample_rate,
    updated_at: ctx.now.toISOString(),
    updated_by: ctx.actor,
  };
  const issues: FieldIssue[] = [];
  if (next.stage !== 'source' && next.target === null) issues.push({ path: 'target', message: `stage ${next.stage} needs a target endpoint` });
  if (next.target === ctx.endpoint) issues.push({ path: 'target', message: 'is the endpoint this interlay fronts (the source)' });
  next.mirrors.forEach((m, i) => {
    if (m === ctx.endpoint) issues.push({ path: `mirrors.${i}`, message: 'is the source endpoint' });
    if (m === next.target) issues.push({ path: `mirrors.${i}`, message: 'is the target endpoint' });
  });
  if (issues.length) throw new AppError('VALIDATION', `Invalid routing: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
  // Mirroring to a (new) target starts now: a copy has to start after this to count as filling it.
  const mirroringNow = stageMirrors(next.stage);
  const mirroringBefore = stageMirrors(current.stage) && current.target === next.target;
  if (!mirroringNow) next.mirroring_since = null;
  else if (!mirroringBefore) next.mirroring_since = ctx.now.toISOString();
  return next;
}

export interface SyncState {
  in_sync: boolean;
  reasons: string[];
  copy_job: string | null;
}

/**
 * Whether the target holds everything the source holds, as far as the console can tell:
 * a copy job from this source to this target completed (no errors) after mirroring to the
 * target began, and the mirror is in sync (nothing dropped, no data lost, no sync pending).
 */
export function syncState(r: StoredRouting, copy: { id: string; status: string; startedAt: Date | null } | null, mirror: { inSync: boolean; pending: number; lostData: boolean } | null): SyncState {
  const reasons: string[] = [];
  if (r.target === null) reasons.push('no target');
  if (r.mirroring_since === null) reasons.push('writes are not mirrored to the target (stage source)');
  if (copy === null) reasons.push('no copy job to the target has completed since mirroring began');
  else if (copy.status !== 'completed') reasons.push(`the last copy job to the target ended ${copy.status}`);
  if (mirror !== null) {
    if (mirror.lostData) reasons.push('the target restarted and may have lost data; copy to it again');
    else if (!mirror.inSync) reasons.push('the mirror dropped or failed writes that are not resynced yet');
    if (mirror.pending > 0) reasons.push(`${mirror.pending} key(s) wait for a state sync`);
  }
  return { in_sync: reasons.length === 0, reasons, copy_job: copy?.id ?? null };
}

/**
 * A move is refused (409) unless forced with a reason: serving clients from a target not
 * known to be in sync, and leaving stage `target` (the source missed the writes made there).
 */
export function checkMove(from: Stage, to: Stage, sync: SyncState, force: boolean): void {
  if (from === to || force) return;
  if (from === 'target' && isRollback(from, to)) {
    throw conflict('Moving back from stage target loses what was written there (the source was no longer written): send force with a reason to do it anyway, or copy the target back first');
  }
  if (needsSyncedTarget(to) && !isRollback(from, to) && !sync.in_sync) {
    throw conflict(`The target is not known to be in sync (${sync.reasons.join('; ')}): send force with a reason to move to ${to} anyway`, { reasons: sync.reasons });
  }
}
