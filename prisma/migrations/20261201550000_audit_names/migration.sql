-- One naming scheme for the audit log (lib/audit/names.ts): object types and actions in
-- snake_case, every action `<object_type>.<verb>`. Renames the rows written before it, so
-- that filtering by type finds old and new rows alike. Running it again changes nothing.
UPDATE "audit_log" SET "object_type" = 'copy_job' WHERE "object_type" = 'copy-job';
UPDATE "audit_log" SET "object_type" = 'compat_report' WHERE "object_type" = 'compat-report';
UPDATE "audit_log" SET "action" = 'compat_report.' || substr("action", length('compat-report.') + 1) WHERE "action" LIKE 'compat-report.%';
UPDATE "audit_log" SET "action" = 'api_token.' || substr("action", length('token.') + 1) WHERE "action" LIKE 'token.%';
UPDATE "audit_log" SET "action" = 'user.login' WHERE "action" = 'session.login';
UPDATE "audit_log" SET "action" = 'user.login_throttled' WHERE "action" = 'session.throttled';
