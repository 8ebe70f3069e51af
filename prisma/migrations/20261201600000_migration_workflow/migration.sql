-- The guided migration workflow (lib/workflow): runs, their transition history, and their
-- events with a per-run sequence number (allocated from migration_runs.event_seq in the
-- transaction that inserts the event, so a run's events have no gaps and one order).

-- CreateEnum
CREATE TYPE "MigrationState" AS ENUM ('draft', 'setup_submitted', 'preparing', 'awaiting_review', 'approved', 'executing', 'synced', 'shifting', 'accepting', 'completed', 'closed', 'paused', 'rolling_back', 'rolled_back', 'failed');

-- CreateTable
CREATE TABLE "migration_runs" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "state" "MigrationState" NOT NULL DEFAULT 'draft',
    "version" INTEGER NOT NULL DEFAULT 1,
    "return_to" "MigrationState",
    "setup" JSONB,
    "setup_hash" TEXT,
    "submitted_by" TEXT,
    "approved_by" TEXT,
    "approved_at" TIMESTAMPTZ(3),
    "approved_hash" TEXT,
    "completion_approved_by" TEXT,
    "report_id" UUID,
    "copy_job_id" UUID,
    "traffic_step" INTEGER,
    "acceptance" JSONB,
    "failure" JSONB,
    "rollback" JSONB,
    "window_ends_at" TIMESTAMPTZ(3),
    "event_seq" INTEGER NOT NULL DEFAULT 0,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "migration_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "migration_transitions" (
    "id" BIGSERIAL NOT NULL,
    "run_id" UUID NOT NULL,
    "from_state" "MigrationState" NOT NULL,
    "to_state" "MigrationState" NOT NULL,
    "event" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "reason" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "migration_transitions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "migration_events" (
    "run_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "migration_events_pkey" PRIMARY KEY ("run_id","seq")
);

-- CreateIndex
CREATE INDEX "migration_runs_state_idx" ON "migration_runs"("state");

-- CreateIndex
CREATE INDEX "migration_transitions_run_id_id_idx" ON "migration_transitions"("run_id", "id");

-- AddForeignKey
ALTER TABLE "migration_transitions" ADD CONSTRAINT "migration_transitions_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "migration_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "migration_events" ADD CONSTRAINT "migration_events_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "migration_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
