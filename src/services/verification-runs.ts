import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { RUNNING_VERIFICATION_RESULT } from '../domain/lifecycle.ts';
import { pendingCheck } from '../domain/verification.ts';
import type { Verification } from '../generated/prisma/client.ts';
import type { Config } from '../platform/config.ts';
import type { Db } from '../platform/db.ts';
import { runSearchAttributes, summary } from '../platform/search-attributes.ts';
import type { VerificationWorkflow } from '../workflows/verification.ts';
import { isUniqueViolation, ONE_RUNNING_VERIFICATION_PER_TASK, RuleConflict } from './conflicts.ts';
import { kickoff } from './kickoff.ts';

export const verificationWorkflowId = (id: string) => `verification-${id}`;

interface Tenant {
  orgId: string;
  projectId: string;
}

type RunConfig = Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'AI_QUOTA_UNITS' | 'AI_QUOTA_PERIOD'>;

/**
 * Starts a verification of the task (POST verifications/run): the row and its AI unit in one
 * transaction, then the workflow (services/kickoff.ts). One running verification per task is a
 * partial unique index: of concurrent requests exactly one writes a row and spends a unit, the
 * others get RuleConflict (409). Null when the task is not in the tenant's project.
 */
export async function runVerification(prisma: Db, temporal: Client, config: RunConfig, tenant: Tenant, taskId: string): Promise<Verification | null> {
  const task = await prisma.task.findFirst({ where: { id: taskId, org_id: tenant.orgId, project_id: tenant.projectId }, include: { finding: true } });
  if (!task) return null;
  if (task.status === 'done') throw new RuleConflict('The task is done; reopen its approved verification to re-check it');
  const id = randomUUID();
  try {
    return await kickoff(prisma, temporal, {
      write: (tx, charge) =>
        tx.verification.create({
          data: {
            id,
            org_id: tenant.orgId,
            project_id: tenant.projectId,
            task_id: taskId,
            finding_id: task.finding_id,
            checks: [pendingCheck(task.finding.verification_key ?? 'unknown')],
            workflow_id: verificationWorkflowId(id),
            // The workflow's failure path refunds this unit.
            ai_charged_period: charge?.charged ? charge.periodStart : null,
          },
        }),
      aiCharge: { config, orgId: tenant.orgId },
      workflowId: verificationWorkflowId(id),
      start: () =>
        temporal.workflow.start<typeof VerificationWorkflow>('VerificationWorkflow', {
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          workflowId: verificationWorkflowId(id),
          args: [{ verificationId: id }],
          ...verificationWorkflowMetadata(tenant, task.finding),
        }),
      // Removed, not failed: it never checked anything, and the task may be verified again at once.
      compensate: (tx) => tx.verification.delete({ where: { id } }),
      notStartedMessage: 'The verification could not be started; try again shortly',
    });
  } catch (err) {
    if (!isUniqueViolation(err, ONE_RUNNING_VERIFICATION_PER_TASK)) throw err;
    const running = await prisma.verification.findFirst({ where: { task_id: taskId, result: RUNNING_VERIFICATION_RESULT }, select: { id: true } });
    throw new RuleConflict(`${running ? `Verification ${running.id}` : 'A verification'} of this task is still running`);
  }
}

/** The first URL a finding names (its `affected_assets`), for the Temporal UI. */
function findingUrl(assets: unknown): string | null {
  if (!Array.isArray(assets)) return null;
  const first = assets.find((a: { type?: unknown; value?: unknown } | null) => a?.type === 'url' && typeof a.value === 'string') as { value: string } | undefined;
  return first?.value ?? null;
}

/** Search attributes and summary of a verification's workflow: its tenant and the URL it re-checks. */
export function verificationWorkflowMetadata(tenant: Tenant, finding: { title: string; affected_assets: unknown }) {
  const url = findingUrl(finding.affected_assets);
  return {
    typedSearchAttributes: runSearchAttributes({ orgId: tenant.orgId, projectId: tenant.projectId, trigger: 'manual', url }),
    staticSummary: summary(`Verify "${finding.title.slice(0, 80)}"`, url),
  };
}

/** The same, for a signal-with-start of an existing verification (approve, reopen). */
export async function loadVerificationWorkflowMetadata(prisma: Db, tenant: Tenant, findingId: string) {
  const finding = await prisma.finding.findUnique({ where: { id: findingId }, select: { title: true, affected_assets: true } });
  return verificationWorkflowMetadata(tenant, finding ?? { title: 'finding', affected_assets: [] });
}
