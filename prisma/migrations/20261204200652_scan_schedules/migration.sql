-- CreateEnum
CREATE TYPE "ScheduleRunKind" AS ENUM ('scan', 'crawl');

-- CreateEnum
CREATE TYPE "ScheduleRunStatus" AS ENUM ('starting', 'started', 'failed');

-- CreateTable
CREATE TABLE "scan_schedules" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "project_id" VARCHAR(64) NOT NULL,
    "url" TEXT NOT NULL,
    "cron" VARCHAR(200),
    "every" VARCHAR(100),
    "every_seconds" INTEGER,
    "scanners" "Scanner"[],
    "crawl" JSONB,
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "scan_schedules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "schedule_runs" (
    "id" UUID NOT NULL,
    "schedule_id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "project_id" VARCHAR(64) NOT NULL,
    "firing_id" VARCHAR(300) NOT NULL,
    "kind" "ScheduleRunKind" NOT NULL,
    "status" "ScheduleRunStatus" NOT NULL DEFAULT 'starting',
    "scan_run_id" UUID,
    "failure_reason" TEXT,
    "scheduled_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "schedule_runs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "scan_schedules_org_id_project_id_created_at_id_idx" ON "scan_schedules"("org_id", "project_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "schedule_runs_firing_id_key" ON "schedule_runs"("firing_id");

-- CreateIndex
CREATE INDEX "schedule_runs_schedule_id_scheduled_at_idx" ON "schedule_runs"("schedule_id", "scheduled_at" DESC);

-- CreateIndex
CREATE INDEX "schedule_runs_scan_run_id_idx" ON "schedule_runs"("scan_run_id");

-- AddForeignKey
ALTER TABLE "schedule_runs" ADD CONSTRAINT "schedule_runs_schedule_id_fkey" FOREIGN KEY ("schedule_id") REFERENCES "scan_schedules"("id") ON DELETE CASCADE ON UPDATE CASCADE;
