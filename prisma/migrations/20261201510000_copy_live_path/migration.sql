-- Copy jobs on the live path (lib/copy-jobs/README.md, "On the live path").
-- The interlays a job's run was coordinated with (their mirrors synced what was written
-- during the copy).
ALTER TABLE "copy_jobs" ADD COLUMN "coordinated_with" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];

-- Mirror errors share the error-key store: a row belongs either to a copy job (origin
-- `copy`) or to an interlay (origin `mirror`, with the side the mirror failed on). Mirror
-- rows are one per (interlay, side, db, key): a repeat failure counts an attempt.
ALTER TABLE "copy_job_error_keys" ALTER COLUMN "job_id" DROP NOT NULL;
ALTER TABLE "copy_job_error_keys" ADD COLUMN "origin" TEXT NOT NULL DEFAULT 'copy';
ALTER TABLE "copy_job_error_keys" ADD COLUMN "interlay_id" TEXT;
ALTER TABLE "copy_job_error_keys" ADD COLUMN "side" TEXT;
ALTER TABLE "copy_job_error_keys" ADD CONSTRAINT "copy_job_error_keys_scope_check"
    CHECK (("job_id" IS NOT NULL AND "interlay_id" IS NULL AND "origin" = 'copy')
        OR ("job_id" IS NULL AND "interlay_id" IS NOT NULL AND "origin" = 'mirror' AND "side" IS NOT NULL));
ALTER TABLE "copy_job_error_keys" ADD CONSTRAINT "copy_job_error_keys_interlay_id_fkey"
    FOREIGN KEY ("interlay_id") REFERENCES "interlays"("id") ON DELETE CASCADE ON UPDATE CASCADE;
CREATE UNIQUE INDEX "copy_job_error_keys_interlay_id_side_db_key_key" ON "copy_job_error_keys"("interlay_id", "side", "db", "key") WHERE "interlay_id" IS NOT NULL;
CREATE INDEX "copy_job_error_keys_interlay_id_id_idx" ON "copy_job_error_keys"("interlay_id", "id");
