-- AlterTable
ALTER TABLE "scan_runs" ADD COLUMN     "analysis_batches" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "analysis_units" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "browser_leases" (
    "pool" VARCHAR(255) NOT NULL,
    "org_id" UUID NOT NULL,
    "slot" INTEGER NOT NULL,
    "holder" TEXT NOT NULL,
    "acquired_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "browser_leases_pkey" PRIMARY KEY ("pool","org_id","slot")
);
