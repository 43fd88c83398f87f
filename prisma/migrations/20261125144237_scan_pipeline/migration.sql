-- CreateEnum
CREATE TYPE "Scanner" AS ENUM ('performance', 'security', 'seo', 'accessibility');

-- AlterTable
ALTER TABLE "scan_runs" ADD COLUMN     "scanners" "Scanner"[];

-- AlterTable
ALTER TABLE "findings" ADD COLUMN     "verification_key" TEXT;

-- CreateTable
CREATE TABLE "page_snapshots" (
    "id" UUID NOT NULL,
    "scan_run_id" UUID NOT NULL,
    "requested_url" TEXT NOT NULL,
    "final_url" TEXT NOT NULL,
    "status" INTEGER NOT NULL,
    "headers" JSONB NOT NULL,
    "body" TEXT NOT NULL,
    "redirects" JSONB NOT NULL DEFAULT '[]',
    "fetched_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "page_snapshots_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "page_snapshots_scan_run_id_idx" ON "page_snapshots"("scan_run_id");
