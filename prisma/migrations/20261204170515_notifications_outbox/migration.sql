-- AlterTable
ALTER TABLE "tasks" ADD COLUMN     "sla_breached_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "notification_deliveries" ADD COLUMN     "channel_id" UUID,
ADD COLUMN     "event_id" UUID,
ADD COLUMN     "event_type" VARCHAR(64),
ADD COLUMN     "response_code" INTEGER;

-- CreateTable
CREATE TABLE "notification_events" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "project_id" VARCHAR(64) NOT NULL,
    "type" VARCHAR(64) NOT NULL,
    "severity" "Severity",
    "data" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "dispatched_at" TIMESTAMPTZ(3),

    CONSTRAINT "notification_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notification_channels" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "project_id" VARCHAR(64) NOT NULL,
    "type" "NotificationChannel" NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "config_encrypted" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "signing_secret_encrypted" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "notification_channels_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "notification_events_dispatched_at_created_at_idx" ON "notification_events"("dispatched_at", "created_at");

-- CreateIndex
CREATE INDEX "notification_events_org_id_project_id_created_at_idx" ON "notification_events"("org_id", "project_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "notification_channels_org_id_project_id_name_key" ON "notification_channels"("org_id", "project_id", "name");

-- CreateIndex
CREATE INDEX "notification_deliveries_org_id_project_id_created_at_id_idx" ON "notification_deliveries"("org_id", "project_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "notification_deliveries_event_id_idx" ON "notification_deliveries"("event_id");
