-- Hand-written: Prisma's schema cannot express a partial index, so scripts/new-migration.mjs finds
-- no difference to write. These three indexes turn the remediation rules into constraints:
-- one open task per finding, one running verification per task, one open regression per finding.
-- Their predicates are the lists in src/domain/lifecycle.ts (OPEN_TASK_STATUSES,
-- RUNNING_VERIFICATION_RESULT, OPEN_REGRESSION_STATUS); the schema-drift test checks them.

-- Duplicates left by the races these indexes close are folded first, the oldest row winning.

-- 1. Open tasks of one finding: the later ones' verifications move to the oldest, then they go.
CREATE TEMPORARY TABLE "duplicate_open_tasks" ON COMMIT DROP AS
SELECT "id", "keeper" FROM (
  SELECT "id", first_value("id") OVER (PARTITION BY "finding_id" ORDER BY "created_at", "id") AS "keeper"
    FROM "tasks"
   WHERE "status" IN ('backlog', 'in_progress', 'blocked', 'ready_verify')
) ranked WHERE "id" <> "keeper";

UPDATE "verifications" v SET "task_id" = d."keeper", "updated_at" = now()
  FROM "duplicate_open_tasks" d WHERE v."task_id" = d."id";

DELETE FROM "tasks" t USING "duplicate_open_tasks" d WHERE t."id" = d."id";

-- 2. Running verifications of one task (also those just moved): the later ones are failed; their
-- workflows record a result only while it is pending, so they change nothing more.
UPDATE "verifications" SET "result" = 'failed', "updated_at" = now()
 WHERE "id" IN (
   SELECT "id" FROM (
     SELECT "id", row_number() OVER (PARTITION BY "task_id" ORDER BY "created_at", "id") AS "n"
       FROM "verifications" WHERE "result" = 'pending'
   ) ranked WHERE "n" > 1);

-- 3. Open regressions of one finding: the later ones are closed.
UPDATE "regressions" SET "status" = 'closed', "closed_at" = now()
 WHERE "id" IN (
   SELECT "id" FROM (
     SELECT "id", row_number() OVER (PARTITION BY "finding_id" ORDER BY "opened_at", "id") AS "n"
       FROM "regressions" WHERE "status" = 'open'
   ) ranked WHERE "n" > 1);

-- CreateIndex
CREATE UNIQUE INDEX "tasks_finding_id_open_key" ON "tasks"("finding_id") WHERE "status" IN ('backlog', 'in_progress', 'blocked', 'ready_verify');

-- CreateIndex
CREATE UNIQUE INDEX "verifications_task_id_running_key" ON "verifications"("task_id") WHERE "result" = 'pending';

-- CreateIndex
CREATE UNIQUE INDEX "regressions_finding_id_open_key" ON "regressions"("finding_id") WHERE "status" = 'open';
