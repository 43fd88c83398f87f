-- AlterTable
ALTER TABLE "page_snapshots" ADD COLUMN     "site_session" TEXT;

-- CreateTable
CREATE TABLE "site_auth" (
    "org_id" UUID NOT NULL,
    "project_id" VARCHAR(64) NOT NULL,
    "type" VARCHAR(16) NOT NULL,
    "origin" TEXT NOT NULL,
    "config_encrypted" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "site_auth_pkey" PRIMARY KEY ("org_id","project_id")
);
