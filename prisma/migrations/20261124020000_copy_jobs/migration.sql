-- CreateEnum
CREATE TYPE "CopyJobStatus" AS ENUM ('running', 'paused', 'completed', 'failed', 'cancelled');

-- CreateTable
CREATE TABLE "copy_jobs" (
    "id" UUID NOT NULL,
    "source" TEXT NOT NULL,
    "targets" TEXT[],
    "spec" JSONB NOT NULL,
    "status" "CopyJobStatus" NOT NULL DEFAULT 'running',
    "version" INTEGER NOT NULL DEFAULT 1,
    "checkpoint" JSONB,
    "progress" JSONB,
    "scanned" BIGINT NOT NULL DEFAULT 0,
    "copied" BIGINT NOT NULL DEFAULT 0,
    "skipped" BIGINT NOT NULL DEFAULT 0,
    "expired" BIGINT NOT NULL DEFAULT 0,
    "conflicts" BIGINT NOT NULL DEFAULT 0,
    "errors" BIGINT NOT NULL DEFAULT 0,
    "bytes" BIGINT NOT NULL DEFAULT 0,
    "error" TEXT,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "copy_jobs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "copy_job_transitions" (
    "id" BIGSERIAL NOT NULL,
    "job_id" UUID NOT NULL,
    "from_state" "CopyJobStatus" NOT NULL,
    "to_state" "CopyJobStatus" NOT NULL,
    "event" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "reason" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "copy_job_transitions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "copy_job_error_keys" (
    "id" BIGSERIAL NOT NULL,
    "job_id" UUID NOT NULL,
    "target" INTEGER NOT NULL,
    "db" INTEGER NOT NULL,
    "key" BYTEA NOT NULL,
    "type" TEXT,
    "size" BIGINT,
    "error_class" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "retryable" BOOLEAN NOT NULL DEFAULT false,
    "attempts" INTEGER NOT NULL DEFAULT 1,
    "first_seen" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved" BOOLEAN NOT NULL DEFAULT false,
    "resolved_at" TIMESTAMPTZ(3),
    "resolution_note" TEXT,

    CONSTRAINT "copy_job_error_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "copy_job_verifications" (
    "id" UUID NOT NULL,
    "job_id" UUID NOT NULL,
    "mode" TEXT NOT NULL,
    "sample_size" INTEGER,
    "ttl_tolerance_ms" INTEGER NOT NULL DEFAULT 1000,
    "status" TEXT NOT NULL DEFAULT 'running',
    "checked" BIGINT NOT NULL DEFAULT 0,
    "missing" BIGINT NOT NULL DEFAULT 0,
    "type_mismatch" BIGINT NOT NULL DEFAULT 0,
    "value_mismatch" BIGINT NOT NULL DEFAULT 0,
    "ttl_mismatch" BIGINT NOT NULL DEFAULT 0,
    "truncated" BOOLEAN NOT NULL DEFAULT false,
    "error" TEXT,
    "repair_status" TEXT,
    "repaired" INTEGER NOT NULL DEFAULT 0,
    "repair_failed" INTEGER NOT NULL DEFAULT 0,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "copy_job_verifications_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "copy_job_mismatches" (
    "id" BIGSERIAL NOT NULL,
    "verification_id" UUID NOT NULL,
    "target" INTEGER NOT NULL DEFAULT 0,
    "db" INTEGER NOT NULL,
    "key" BYTEA NOT NULL,
    "kind" TEXT NOT NULL,
    "detail" TEXT NOT NULL DEFAULT '',
    "repaired" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "copy_job_mismatches_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "copy_jobs_status_idx" ON "copy_jobs"("status");

-- CreateIndex
CREATE INDEX "copy_jobs_created_at_idx" ON "copy_jobs"("created_at");

-- CreateIndex
CREATE INDEX "copy_job_transitions_job_id_id_idx" ON "copy_job_transitions"("job_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "copy_job_error_keys_job_id_target_db_key_key" ON "copy_job_error_keys"("job_id", "target", "db", "key");

-- CreateIndex
CREATE INDEX "copy_job_error_keys_job_id_error_class_idx" ON "copy_job_error_keys"("job_id", "error_class");

-- CreateIndex
CREATE INDEX "copy_job_error_keys_job_id_id_idx" ON "copy_job_error_keys"("job_id", "id");

-- CreateIndex
CREATE INDEX "copy_job_verifications_job_id_created_at_idx" ON "copy_job_verifications"("job_id", "created_at");

-- CreateIndex
CREATE INDEX "copy_job_mismatches_verification_id_id_idx" ON "copy_job_mismatches"("verification_id", "id");

-- AddForeignKey
ALTER TABLE "copy_job_transitions" ADD CONSTRAINT "copy_job_transitions_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "copy_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "copy_job_error_keys" ADD CONSTRAINT "copy_job_error_keys_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "copy_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "copy_job_verifications" ADD CONSTRAINT "copy_job_verifications_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "copy_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "copy_job_mismatches" ADD CONSTRAINT "copy_job_mismatches_verification_id_fkey" FOREIGN KEY ("verification_id") REFERENCES "copy_job_verifications"("id") ON DELETE CASCADE ON UPDATE CASCADE;
