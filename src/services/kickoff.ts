import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Prisma } from '../generated/prisma/client.ts';
import type { Db } from '../platform/db.ts';
import { startOnce } from '../platform/temporal.ts';
import { type AiCharge, chargeAiUnit, type QuotaConfig, refundAiUnit } from './ai-quota.ts';

type Tx = Prisma.TransactionClient;

/** The workflow of a run could not be started and the run was compensated. The API answers 503. */
export class WorkflowNotStarted extends Error {
  override name = 'WorkflowNotStarted';
  constructor(
    readonly workflowId: string,
    /** Told to the client: "The scan could not be started; try again shortly". */
    readonly publicMessage: string,
    cause: unknown,
  ) {
    super(`workflow ${workflowId} could not be started`, { cause });
  }
}

export interface Kickoff<Row> {
  /**
   * Writes the run's row, with the unit it was charged (null when free) so a failure path can
   * refund it later; a refusal thrown here (a RuleConflict, a unique index) leaves nothing behind.
   */
  write(tx: Tx, charge: AiCharge | null): Promise<Row>;
  /** Work that uses the LLM costs one AI unit of this org (krafter-api §9.4), charged with the row. */
  aiCharge?: { config: QuotaConfig; orgId: string };
  workflowId: string;
  /** Starts the workflow; starting one that already runs counts as started (startOnce). */
  start(): Promise<unknown>;
  /** Marks the row failed (or removes it) when the workflow did not start, with the refund. */
  compensate(tx: Tx, row: Row): Promise<unknown>;
  /** The 503's message. */
  notStartedMessage: string;
}

/**
 * How long a start may take before the kickoff gives up on it. Without one, the client retries an
 * unreachable server for about 25 s per request; a start cut short is then checked with describe().
 */
const START_DEADLINE_MS = 10_000;
/** How long the check "did the start reach the server after all?" may take, per attempt. */
const DESCRIBE_DEADLINE_MS = 2_000;
const DESCRIBE_ATTEMPTS = 2;

/**
 * Every kickoff of a run (scan, verification, report export, report share): row → workflow start →
 * compensate. The row and its AI unit are written in one transaction, so a request refused by a
 * constraint or the quota spends nothing. A start that fails is compensated (row failed or removed,
 * unit refunded, one transaction) unless the workflow exists after all: a start that timed out on
 * the client may have reached the server, and that run is not marked failed. When Temporal cannot
 * even say (it stays unreachable), the run is compensated: its activities change a run only from
 * the state they expect (`queued`, `pending`), so a workflow that did start finds nothing to do.
 */
export async function kickoff<Row>(prisma: Db, temporal: Client, k: Kickoff<Row>): Promise<Row> {
  const { row, charge } = await prisma.$transaction(async (tx) => {
    // Charged first so the row can name its period; a refused write rolls the charge back with it.
    const charged: AiCharge | null = k.aiCharge ? await chargeAiUnit(tx, k.aiCharge.config, k.aiCharge.orgId) : null;
    return { row: await k.write(tx, charged), charge: charged };
  });
  try {
    await startOnce(() => temporal.connection.withDeadline(Date.now() + START_DEADLINE_MS, k.start));
    return row;
  } catch (err) {
    if (await workflowExists(temporal, k.workflowId)) return row;
    await prisma.$transaction(async (tx) => {
      await k.compensate(tx, row);
      if (charge) await refundAiUnit(tx, charge);
    });
    throw new WorkflowNotStarted(k.workflowId, k.notStartedMessage, err);
  }
}

/** Whether Temporal knows the workflow id (any run, any state). False when it cannot be asked. */
export async function workflowExists(temporal: Client, workflowId: string): Promise<boolean> {
  for (let attempt = 1; attempt <= DESCRIBE_ATTEMPTS; attempt++) {
    try {
      await temporal.connection.withDeadline(Date.now() + DESCRIBE_DEADLINE_MS, () => temporal.workflow.getHandle(workflowId).describe());
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
    }
  }
  return false;
}
