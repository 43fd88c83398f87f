-- CreateEnum
CREATE TYPE "ScoreSource" AS ENUM ('rules', 'ai');

-- AlterTable
ALTER TABLE "orgs" ADD COLUMN     "ai_quota_limit" INTEGER;

-- AlterTable
ALTER TABLE "scan_runs" ADD COLUMN     "analysis" JSONB NOT NULL DEFAULT '{}';

-- AlterTable
ALTER TABLE "findings" ADD COLUMN     "score_source" "ScoreSource" NOT NULL DEFAULT 'rules';

-- AlterTable
ALTER TABLE "reports" ADD COLUMN     "shared_at" TIMESTAMPTZ(3);
