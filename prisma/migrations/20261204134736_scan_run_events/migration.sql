-- AlterTable
ALTER TABLE "scan_runs" ADD COLUMN     "event_seq" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "scan_run_events" (
    "scan_run_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "data" JSONB NOT NULL,
    "inserted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "scan_run_events_pkey" PRIMARY KEY ("scan_run_id","seq")
);

-- AddForeignKey
ALTER TABLE "scan_run_events" ADD CONSTRAINT "scan_run_events_scan_run_id_fkey" FOREIGN KEY ("scan_run_id") REFERENCES "scan_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
