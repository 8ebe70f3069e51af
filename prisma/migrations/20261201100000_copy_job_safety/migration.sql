-- AlterEnum
ALTER TYPE "CopyJobStatus" ADD VALUE 'completed_with_errors';

-- AlterTable
ALTER TABLE "copy_jobs" ADD COLUMN "resolved" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN "run_token" TEXT;

-- AlterTable
ALTER TABLE "copy_job_error_keys" ADD COLUMN "resolution" TEXT;

-- AlterTable
ALTER TABLE "copy_job_verifications" ADD COLUMN "repair_message" TEXT,
ADD COLUMN "repair_removed" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "repair_rescanned" BOOLEAN NOT NULL DEFAULT false;

-- Existing resolved error keys: a retry wrote this note; anything else was resolved by a person.
UPDATE "copy_job_error_keys" SET "resolution" = CASE WHEN "resolution_note" LIKE 'copied on retry by %' THEN 'copied' ELSE 'accepted' END WHERE "resolved";
