-- AlterTable
ALTER TABLE "schedule_runs" ADD COLUMN     "crawl_id" UUID;

-- CreateIndex
CREATE INDEX "schedule_runs_crawl_id_idx" ON "schedule_runs"("crawl_id");
