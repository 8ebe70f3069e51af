-- CreateTable
CREATE TABLE "compat_reports" (
    "id" UUID NOT NULL,
    "source" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "mirror_targets" JSONB NOT NULL DEFAULT '[]',
    "interlay" TEXT,
    "options" JSONB NOT NULL DEFAULT '{}',
    "status" TEXT NOT NULL DEFAULT 'running',
    "error" TEXT,
    "analysis" JSONB,
    "test_run" JSONB,
    "run_number" INTEGER NOT NULL DEFAULT 1,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "compat_reports_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "compat_findings" (
    "id" UUID NOT NULL,
    "report_id" UUID NOT NULL,
    "check" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "evidence" JSONB NOT NULL DEFAULT '{}',
    "remediation" TEXT NOT NULL DEFAULT '',
    "position" INTEGER NOT NULL DEFAULT 0,
    "ack_by" TEXT,
    "ack_at" TIMESTAMPTZ(3),
    "ack_notes" TEXT,

    CONSTRAINT "compat_findings_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "compat_reports_created_at_idx" ON "compat_reports"("created_at");

-- CreateIndex
CREATE INDEX "compat_reports_source_idx" ON "compat_reports"("source");

-- CreateIndex
CREATE INDEX "compat_reports_target_idx" ON "compat_reports"("target");

-- CreateIndex
CREATE UNIQUE INDEX "compat_findings_report_id_check_key" ON "compat_findings"("report_id", "check");

-- AddForeignKey
ALTER TABLE "compat_findings" ADD CONSTRAINT "compat_findings_report_id_fkey" FOREIGN KEY ("report_id") REFERENCES "compat_reports"("id") ON DELETE CASCADE ON UPDATE CASCADE;
