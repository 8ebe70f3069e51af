import { describe, expect, it } from 'vitest';
import { auditObjectHref, isAuditAction, type AuditAction } from './names';
import type { AuditEntry } from './service';

describe('audit names', () => {
  it('accept <object_type>.<verb> in snake_case for a known type only', () => {
    expect(isAuditAction('copy_job', 'copy_job.create')).toBe(true);
    expect(isAuditAction('compat_report', 'compat_report.acknowledge')).toBe(true);
    expect(isAuditAction('interlay', 'interlay.routing')).toBe(true);
    expect(isAuditAction('api_token', 'api_token.revoke')).toBe(true);
    expect(isAuditAction('copy-job', 'copy-job.create')).toBe(false);
    expect(isAuditAction('compat_report', 'compat-report.create')).toBe(false);
    expect(isAuditAction('api_token', 'token.create')).toBe(false);
    expect(isAuditAction('user', 'session.login')).toBe(false);
    expect(isAuditAction('widget', 'widget.create')).toBe(false);
  });

  it('link each object to its page with the whole id', () => {
    const id = '0f8e4c2a-6b1d-4c55-9a3e-1d2c3b4a5f60';
    expect(auditObjectHref('copy_job', id)).toBe(`/copy-jobs/${id}`);
    expect(auditObjectHref('compat_report', id)).toBe(`/compatibility/${id}`);
    expect(auditObjectHref('migration', id)).toBe(`/migrations/${id}`);
    expect(auditObjectHref('endpoint', 'redis source/1')).toBe('/endpoints/redis%20source%2F1');
    expect(auditObjectHref('interlay', 'live')).toBe('/interlays/live');
    expect(auditObjectHref('user', 'alice')).toBe('/settings?tab=users');
    expect(auditObjectHref('api_token', id)).toBe('/settings?tab=tokens');
    expect(auditObjectHref('endpoint', null)).toBeUndefined();
    expect(auditObjectHref('widget', '1')).toBeUndefined();
  });

  it('are enforced by the type of AuditService.record', () => {
    const ok: AuditEntry[] = [
      { action: 'copy_job.create', objectType: 'copy_job', objectId: '1' },
      { action: `copy_job.${'pause' as string}`, objectType: 'copy_job' },
    ];
    // @ts-expect-error -- the action names another object type
    const wrongPrefix: AuditEntry = { action: 'token.create', objectType: 'api_token' };
    // @ts-expect-error -- not an object type of the scheme
    const unknownType: AuditEntry = { action: 'copy-job.create', objectType: 'copy-job' };
    const action: AuditAction<'interlay'> = 'interlay.routing';
    expect([...ok, wrongPrefix, unknownType].length + action.length).toBe(20);
  });
});
