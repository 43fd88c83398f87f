-- CreateEnum
CREATE TYPE "CrawlStatus" AS ENUM ('queued', 'running', 'completed', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "CrawlPageStatus" AS ENUM ('queued', 'scanning', 'scanned', 'failed', 'skipped', 'cancelled');

-- CreateEnum
CREATE TYPE "CrawlSkipReason" AS ENUM ('robots', 'limit', 'off_site', 'non_html', 'excluded', 'redirect');

-- CreateTable
CREATE TABLE "crawls" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "project_id" VARCHAR(64) NOT NULL,
    "url" TEXT NOT NULL,
    "trigger" "ScanTrigger" NOT NULL DEFAULT 'manual',
    "status" "CrawlStatus" NOT NULL DEFAULT 'queued',
    "max_pages" INTEGER NOT NULL,
    "max_depth" INTEGER NOT NULL,
    "include" TEXT[],
    "exclude" TEXT[],
    "scanners" "Scanner"[],
    "robots_txt" TEXT,
    "crawl_delay" DOUBLE PRECISION,
    "failure_reason" TEXT,
    "workflow_id" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "inserted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "crawls_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "crawl_pages" (
    "id" UUID NOT NULL,
    "crawl_id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "depth" INTEGER NOT NULL,
    "status" "CrawlPageStatus" NOT NULL DEFAULT 'queued',
    "skip_reason" "CrawlSkipReason",
    "scan_run_id" UUID,
    "health_score" INTEGER,
    "error" TEXT,
    "inserted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "crawl_pages_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "crawls_org_id_project_id_inserted_at_id_idx" ON "crawls"("org_id", "project_id", "inserted_at" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "crawl_pages_scan_run_id_key" ON "crawl_pages"("scan_run_id");

-- CreateIndex
CREATE INDEX "crawl_pages_crawl_id_status_depth_inserted_at_idx" ON "crawl_pages"("crawl_id", "status", "depth", "inserted_at");

-- CreateIndex
CREATE INDEX "crawl_pages_crawl_id_inserted_at_id_idx" ON "crawl_pages"("crawl_id", "inserted_at" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "crawl_pages_crawl_id_url_key" ON "crawl_pages"("crawl_id", "url");

-- AddForeignKey
ALTER TABLE "crawl_pages" ADD CONSTRAINT "crawl_pages_crawl_id_fkey" FOREIGN KEY ("crawl_id") REFERENCES "crawls"("id") ON DELETE CASCADE ON UPDATE CASCADE;
