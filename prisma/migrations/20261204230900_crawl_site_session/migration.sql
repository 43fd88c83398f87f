-- AlterTable
ALTER TABLE "crawls" ADD COLUMN     "site_session" TEXT;
