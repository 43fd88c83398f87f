-- AlterTable
ALTER TABLE "scan_runs" ADD COLUMN     "ai_charge_period" DATE;
