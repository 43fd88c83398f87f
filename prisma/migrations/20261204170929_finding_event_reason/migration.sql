-- AlterTable
ALTER TABLE "finding_events" ADD COLUMN     "reason" VARCHAR(500);
