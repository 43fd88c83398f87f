-- DropIndex
DROP INDEX "findings_org_id_project_id_status_idx";

-- CreateIndex
CREATE INDEX "findings_org_id_project_id_status_priority_score_inserted_a_idx" ON "findings"("org_id", "project_id", "status", "priority_score" DESC, "inserted_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "findings_org_id_project_id_severity_priority_score_inserted_idx" ON "findings"("org_id", "project_id", "severity", "priority_score" DESC, "inserted_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "findings_org_id_project_id_domain_priority_score_inserted_a_idx" ON "findings"("org_id", "project_id", "domain", "priority_score" DESC, "inserted_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "tasks_org_id_project_id_status_created_at_id_idx" ON "tasks"("org_id", "project_id", "status", "created_at" DESC, "id" DESC);
