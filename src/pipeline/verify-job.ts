import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { verifiedCategory, verifyRecord } from '../domain/verification/verify-record.ts';
import type { Metrics } from '../observability/metrics.ts';
import { isRetryable, type Queue, type QueueJob } from '../queue/queue.ts';
import type { Db } from '../store/database.ts';
import type { JobRepository, JobRow } from '../store/job-repository.ts';
import { QUEUES } from './queues.ts';
import type { RuleSetService } from './rule-set-service.ts';

/** Deterministic session id: the same payload under the same rule set version gets the same id. */
export function verificationSessionId(rawPayload: string, ruleSetVersion: number): string {
  const digest = createHash('sha256').update(`${ruleSetVersion}\n${rawPayload}`).digest('hex');
  return `vs-${digest.slice(0, 8)}-${digest.slice(8, 12)}-${digest.slice(12, 16)}-${digest.slice(16, 28)}`;
}

/**
 * Verifies one stored job with the active rule set and queues its webhook, in one transaction.
 * When verification fails for good (the last attempt, or an error that is not retryable), the
 * job becomes `failed` with the error and the failure webhook is queued all the same: Salesforce
 * always hears about a record it sent (PEER-CONTRACT §4.2), and no job is left `processing`.
 */
export class VerifyJobHandler {
  constructor(
    private readonly db: Db,
    private readonly jobs: JobRepository,
    private readonly ruleSets: RuleSetService,
    private readonly queue: Queue,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly options: { readonly deliveryMaxAttempts: number },
    private readonly now: () => Date = () => new Date(),
  ) {}

  readonly handle = async (queueJob: QueueJob<{ jobId: string }>): Promise<void> => {
    const job = await this.jobs.get(queueJob.payload.jobId);
    if (!job || job.status === 'completed' || job.status === 'failed') return;
    const startedAt = this.now();
    await this.jobs.markProcessing(job.id, startedAt.toISOString());
    try {
      await this.verify(job);
    } catch (error) {
      if (isRetryable(error) && queueJob.attempt < queueJob.maxAttempts) throw error;
      await this.failForGood(job, error, queueJob);
      // Rethrown so that the queue records its own row as failed, with the same error.
      throw error;
    }
  };

  private async verify(job: JobRow): Promise<void> {
    const rules = await this.ruleSets.active();
    const payload = JSON.parse(job.raw_payload) as Record<string, unknown>;
    const clock = process.hrtime.bigint();
    const outcome = verifyRecord(payload, rules, {
      receivedAt: job.received_at,
      sessionId: verificationSessionId(job.raw_payload, rules.version),
    });
    this.metrics.verificationSeconds.observe(Number(process.hrtime.bigint() - clock) / 1e9);
    this.metrics.verifications.inc({ status: outcome.status });
    for (const unmapped of outcome.result.Verity_Findings.unmappedKeys) {
      this.metrics.unmappedKeys.inc({ family: unmapped.family });
    }
    const completedAt = this.now();
    await this.db.transaction().execute(async (trx) => {
      await this.jobs.complete(
        job.id,
        {
          result: JSON.stringify(outcome.result),
          ruleSetVersion: rules.version,
          category: verifiedCategory(outcome.result),
          completedAt: completedAt.toISOString(),
          processingTimeMs: completedAt.getTime() - Date.parse(job.received_at),
        },
        trx,
      );
      await this.queueDelivery(job.id, trx);
    });
    this.logger.info(
      {
        jobId: job.id,
        sfCatalogId: job.sf_catalog_id,
        status: outcome.status,
        score: outcome.score,
        ruleSetVersion: rules.version,
      },
      'record verified',
    );
  }

  /** The job's result webhook, queued in the transaction that stores the result (or the failure). */
  private async queueDelivery(jobId: string, trx: Db): Promise<void> {
    await this.queue.enqueue(
      QUEUES.deliverResult,
      { jobId },
      {
        singletonKey: `deliver-result:${jobId}`,
        maxAttempts: this.options.deliveryMaxAttempts,
        transaction: trx,
      },
    );
  }

  private async failForGood(job: JobRow, error: unknown, queueJob: QueueJob<unknown>): Promise<void> {
    const message = `verification failed: ${error instanceof Error ? error.message : String(error)}`.slice(
      0,
      2000,
    );
    const failedAt = this.now();
    await this.db.transaction().execute(async (trx) => {
      await this.jobs.fail(
        job.id,
        message,
        failedAt.toISOString(),
        trx,
        failedAt.getTime() - Date.parse(job.received_at),
      );
      await this.queueDelivery(job.id, trx);
    });
    this.metrics.verifications.inc({ status: 'error' });
    this.logger.error(
      {
        jobId: job.id,
        sfCatalogId: job.sf_catalog_id,
        attempt: queueJob.attempt,
        of: queueJob.maxAttempts,
        err: error,
      },
      'verification failed for good; job failed and the failure webhook queued',
    );
  }
}
