-- AlterTable
ALTER TABLE "verifications" ADD COLUMN     "ai_charged_period" DATE;
