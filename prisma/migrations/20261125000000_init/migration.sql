-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "ScanTrigger" AS ENUM ('manual', 'scheduled', 'post_deploy');

-- CreateEnum
CREATE TYPE "ScanStatus" AS ENUM ('queued', 'running', 'completed', 'failed');

-- CreateEnum
CREATE TYPE "FindingDomain" AS ENUM ('security', 'performance', 'accessibility', 'seo');

-- CreateEnum
CREATE TYPE "Severity" AS ENUM ('critical', 'high', 'medium', 'low');

-- CreateEnum
CREATE TYPE "SeveritySource" AS ENUM ('check', 'policy', 'manual');

-- CreateEnum
CREATE TYPE "FindingStatus" AS ENUM ('new', 'triaged', 'in_progress', 'ready_verify', 'resolved', 'dismissed');

-- CreateEnum
CREATE TYPE "FindingEventKind" AS ENUM ('detected', 'redetected', 'status_changed', 'severity_changed', 'owner_changed', 'scored');

-- CreateEnum
CREATE TYPE "RegressionTrigger" AS ENUM ('verification_reopened', 'scan_detected');

-- CreateEnum
CREATE TYPE "RegressionStatus" AS ENUM ('open', 'closed');

-- CreateEnum
CREATE TYPE "TaskStatus" AS ENUM ('backlog', 'in_progress', 'blocked', 'ready_verify', 'done');

-- CreateEnum
CREATE TYPE "TaskPriority" AS ENUM ('low', 'medium', 'high', 'critical');

-- CreateEnum
CREATE TYPE "VerificationResult" AS ENUM ('pending', 'passed', 'failed');

-- CreateEnum
CREATE TYPE "IntegrationProvider" AS ENUM ('ga4', 'gsc', 'sentry', 'github', 'gitlab', 'jira', 'linear', 'cloudflare');

-- CreateEnum
CREATE TYPE "IntegrationStatus" AS ENUM ('connected', 'disconnected', 'syncing', 'error');

-- CreateEnum
CREATE TYPE "ReportFormat" AS ENUM ('json', 'csv', 'html', 'pdf', 'sarif');

-- CreateEnum
CREATE TYPE "ReportStatus" AS ENUM ('queued', 'exporting', 'exported', 'failed', 'shared');

-- CreateEnum
CREATE TYPE "AiProvider" AS ENUM ('anthropic', 'openai');

-- CreateEnum
CREATE TYPE "NotificationChannel" AS ENUM ('email', 'slack', 'webhook');

-- CreateEnum
CREATE TYPE "DeliveryStatus" AS ENUM ('pending', 'delivered', 'failed');

-- CreateTable
CREATE TABLE "orgs" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "orgs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "projects" (
    "org_id" UUID NOT NULL,
    "id" VARCHAR(64) NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "projects_pkey" PRIMARY KEY ("org_id","id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "name" TEXT,
    "key_hash" CHAR(64) NOT NULL,
    "key_prefix" VARCHAR(12) NOT NULL,
    "scopes" TEXT[],
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rate_limits" (
    "key" VARCHAR(255) NOT NULL,
    "points" INTEGER NOT NULL DEFAULT 0,
    "expire" BIGINT,

    CONSTRAINT "rate_limits_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "scan_runs" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "project_id" VARCHAR(64) NOT NULL,
    "url" TEXT NOT NULL,
    "trigger" "ScanTrigger" NOT NULL DEFAULT 'manual',
    "status" "ScanStatus" NOT NULL DEFAULT 'queued',
    "scanner_status" JSONB NOT NULL DEFAULT '{}',
    "summary" JSONB NOT NULL DEFAULT '{}',
    "failure_reason" TEXT,
    "workflow_id" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "inserted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "scan_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "findings" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "project_id" VARCHAR(64) NOT NULL,
    "domain" "FindingDomain" NOT NULL,
    "check_id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "severity" "Severity" NOT NULL,
    "severity_source" "SeveritySource" NOT NULL DEFAULT 'check',
    "status" "FindingStatus" NOT NULL DEFAULT 'new',
    "confidence" DOUBLE PRECISION NOT NULL DEFAULT 1,
    "impact_score" INTEGER NOT NULL DEFAULT 0,
    "effort_score" INTEGER NOT NULL DEFAULT 0,
    "risk_score" INTEGER NOT NULL DEFAULT 0,
    "priority_score" INTEGER NOT NULL DEFAULT 0,
    "recommended_fix" JSONB,
    "evidence" JSONB NOT NULL DEFAULT '{}',
    "affected_assets" JSONB NOT NULL DEFAULT '[]',
    "owner_id" UUID,
    "first_seen_scan_id" UUID,
    "last_seen_scan_id" UUID,
    "inserted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "findings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "finding_events" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "project_id" VARCHAR(64) NOT NULL,
    "finding_id" UUID NOT NULL,
    "kind" "FindingEventKind" NOT NULL,
    "from_status" "FindingStatus",
    "status" "FindingStatus" NOT NULL,
    "from_severity" "Severity",
    "severity" "Severity" NOT NULL,
    "priority_score" INTEGER NOT NULL,
    "actor" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "finding_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "regressions" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "project_id" VARCHAR(64) NOT NULL,
    "finding_id" UUID NOT NULL,
    "trigger" "RegressionTrigger" NOT NULL,
    "status" "RegressionStatus" NOT NULL DEFAULT 'open',
    "scan_run_id" UUID,
    "verification_id" UUID,
    "opened_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closed_at" TIMESTAMPTZ(3),

    CONSTRAINT "regressions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tasks" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "project_id" VARCHAR(64) NOT NULL,
    "finding_id" UUID NOT NULL,
    "title" TEXT NOT NULL,
    "status" "TaskStatus" NOT NULL DEFAULT 'backlog',
    "priority" "TaskPriority" NOT NULL DEFAULT 'medium',
    "owner_id" UUID,
    "sla_due_at" TIMESTAMPTZ(3),
    "external_ticket_key" TEXT,
    "pr_url" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "tasks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "verifications" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "project_id" VARCHAR(64) NOT NULL,
    "task_id" UUID NOT NULL,
    "finding_id" UUID NOT NULL,
    "result" "VerificationResult" NOT NULL DEFAULT 'pending',
    "checks" JSONB NOT NULL DEFAULT '[]',
    "workflow_id" TEXT NOT NULL,
    "verified_by_id" UUID,
    "verified_at" TIMESTAMPTZ(3),
    "reopened_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "verifications_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "policies" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "project_id" VARCHAR(64) NOT NULL,
    "name" TEXT NOT NULL,
    "config" JSONB NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "policies_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "integrations" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "project_id" VARCHAR(64) NOT NULL,
    "provider" "IntegrationProvider" NOT NULL,
    "status" "IntegrationStatus" NOT NULL DEFAULT 'disconnected',
    "credentials_encrypted" TEXT,
    "last_sync_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "integrations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reports" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "project_id" VARCHAR(64) NOT NULL,
    "format" "ReportFormat" NOT NULL,
    "status" "ReportStatus" NOT NULL DEFAULT 'queued',
    "snapshot" JSONB NOT NULL DEFAULT '{}',
    "storage_key" TEXT,
    "sha256" CHAR(64),
    "evidence" JSONB,
    "failure_reason" TEXT,
    "workflow_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "reports_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "signing_keys" (
    "id" UUID NOT NULL,
    "algorithm" TEXT NOT NULL DEFAULT 'ed25519',
    "public_key_pem" TEXT NOT NULL,
    "private_key_encrypted" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "signing_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ai_provider_settings" (
    "id" UUID NOT NULL,
    "provider" "AiProvider" NOT NULL,
    "api_key_encrypted" TEXT NOT NULL,
    "base_url" TEXT,
    "analysis_model" TEXT,
    "accessibility_model" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ai_provider_settings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ai_quotas" (
    "org_id" UUID NOT NULL,
    "period_start" DATE NOT NULL,
    "units_limit" INTEGER NOT NULL,
    "units_used" INTEGER NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ai_quotas_pkey" PRIMARY KEY ("org_id","period_start")
);

-- CreateTable
CREATE TABLE "notification_deliveries" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "project_id" VARCHAR(64),
    "channel" "NotificationChannel" NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "DeliveryStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "delivered_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "notification_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys"("key_hash");

-- CreateIndex
CREATE INDEX "api_keys_org_id_idx" ON "api_keys"("org_id");

-- CreateIndex
CREATE INDEX "scan_runs_org_id_project_id_inserted_at_id_idx" ON "scan_runs"("org_id", "project_id", "inserted_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "findings_org_id_project_id_priority_score_inserted_at_id_idx" ON "findings"("org_id", "project_id", "priority_score" DESC, "inserted_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "findings_org_id_project_id_status_idx" ON "findings"("org_id", "project_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "findings_org_id_project_id_domain_title_key" ON "findings"("org_id", "project_id", "domain", "title");

-- CreateIndex
CREATE INDEX "finding_events_org_id_project_id_created_at_idx" ON "finding_events"("org_id", "project_id", "created_at");

-- CreateIndex
CREATE INDEX "finding_events_finding_id_created_at_idx" ON "finding_events"("finding_id", "created_at");

-- CreateIndex
CREATE INDEX "regressions_finding_id_status_idx" ON "regressions"("finding_id", "status");

-- CreateIndex
CREATE INDEX "regressions_org_id_project_id_status_idx" ON "regressions"("org_id", "project_id", "status");

-- CreateIndex
CREATE INDEX "tasks_org_id_project_id_created_at_id_idx" ON "tasks"("org_id", "project_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "tasks_finding_id_idx" ON "tasks"("finding_id");

-- CreateIndex
CREATE INDEX "verifications_org_id_project_id_created_at_id_idx" ON "verifications"("org_id", "project_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "verifications_task_id_idx" ON "verifications"("task_id");

-- CreateIndex
CREATE UNIQUE INDEX "policies_org_id_project_id_key" ON "policies"("org_id", "project_id");

-- CreateIndex
CREATE UNIQUE INDEX "integrations_org_id_project_id_provider_key" ON "integrations"("org_id", "project_id", "provider");

-- CreateIndex
CREATE INDEX "reports_org_id_project_id_created_at_id_idx" ON "reports"("org_id", "project_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "ai_provider_settings_provider_key" ON "ai_provider_settings"("provider");

-- CreateIndex
CREATE UNIQUE INDEX "notification_deliveries_idempotency_key_key" ON "notification_deliveries"("idempotency_key");

-- CreateIndex
CREATE INDEX "notification_deliveries_org_id_created_at_idx" ON "notification_deliveries"("org_id", "created_at");

-- AddForeignKey
ALTER TABLE "projects" ADD CONSTRAINT "projects_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "finding_events" ADD CONSTRAINT "finding_events_finding_id_fkey" FOREIGN KEY ("finding_id") REFERENCES "findings"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "regressions" ADD CONSTRAINT "regressions_finding_id_fkey" FOREIGN KEY ("finding_id") REFERENCES "findings"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_finding_id_fkey" FOREIGN KEY ("finding_id") REFERENCES "findings"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "verifications" ADD CONSTRAINT "verifications_task_id_fkey" FOREIGN KEY ("task_id") REFERENCES "tasks"("id") ON DELETE CASCADE ON UPDATE CASCADE;
