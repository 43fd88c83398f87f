-- CreateEnum
CREATE TYPE "TicketState" AS ENUM ('open', 'closed');

-- AlterTable
ALTER TABLE "integrations" ADD COLUMN     "base_url" TEXT;

-- CreateTable
CREATE TABLE "integration_tickets" (
    "id" UUID NOT NULL,
    "integration_id" UUID NOT NULL,
    "task_id" UUID NOT NULL,
    "external_key" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "external_url" TEXT,
    "state" "TicketState" NOT NULL DEFAULT 'open',
    "content_sha256" CHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "integration_tickets_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "integration_tickets_task_id_idx" ON "integration_tickets"("task_id");

-- CreateIndex
CREATE UNIQUE INDEX "integration_tickets_integration_id_task_id_key" ON "integration_tickets"("integration_id", "task_id");

-- AddForeignKey
ALTER TABLE "integration_tickets" ADD CONSTRAINT "integration_tickets_integration_id_fkey" FOREIGN KEY ("integration_id") REFERENCES "integrations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "integration_tickets" ADD CONSTRAINT "integration_tickets_task_id_fkey" FOREIGN KEY ("task_id") REFERENCES "tasks"("id") ON DELETE CASCADE ON UPDATE CASCADE;
