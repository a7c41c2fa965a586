import type { Logger } from 'pino';
import { deliveryAttempt, deliveryResult } from '../delivery/delivery-attempt.ts';
import { resultEnvelope } from '../delivery/result-envelope.ts';
import { signedPost } from '../delivery/signed-post.ts';
import { seconds } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { type Queue, type QueueJob, RetryLaterError } from '../queue/queue.ts';
import type { DeliveryRepository } from '../store/delivery-repository.ts';
import type { JobRepository } from '../store/job-repository.ts';
import { QUEUES } from './queues.ts';

export interface ResultDeliveryOptions {
  readonly sfApiKey: string | undefined;
  readonly signingSecret: string | undefined;
  readonly timeoutMs: number;
  readonly selfHealingEnabled: boolean;
  readonly selfHealingDelayMs: number;
}

/**
 * Sends a verified job to Salesforce (PEER-CONTRACT §4.1, with what the peer lacked: an HMAC
 * signature, an idempotency key, retries with backoff and jitter from the durable queue, and
 * every attempt recorded). After the last word on delivery — success or final failure — the
 * Phase-1 scan is scheduled through the same queue, so no scan is lost to a restart.
 */
export class ResultDeliveryHandler {
  constructor(
    private readonly jobs: JobRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly queue: Queue,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly options: ResultDeliveryOptions,
    private readonly now: () => Date = () => new Date(),
  ) {}

  readonly handle = async (queueJob: QueueJob<{ jobId: string }>): Promise<void> => {
    const job = await this.jobs.get(queueJob.payload.jobId);
    if (!job) return;
    if (job.webhook_success === 1) return; // already delivered: a re-run after a crash sends nothing
    if (!job.webhook_url) {
      this.logger.warn(
        { jobId: job.id },
        'no webhook URL configured (SF_WEBHOOK_URL); result kept for polling',
      );
      await this.scheduleScan(job.id);
      return;
    }
    const body = JSON.stringify(resultEnvelope(job));
    const outcome = await signedPost({
      url: job.webhook_url,
      body,
      headers: {
        ...(this.options.sfApiKey ? { 'x-api-key': this.options.sfApiKey } : {}),
        'x-webhook-source': 'catalog-verification-api',
        'x-job-id': job.id,
        'idempotency-key': `${job.id}:result:${job.rule_set_version ?? 0}`,
        'x-delivery-attempt': String(queueJob.attempt),
      },
      signingSecret: this.options.signingSecret,
      timeoutMs: this.options.timeoutMs,
    });
    const at = this.now().toISOString();
    await this.deliveries.recordAttempt(
      deliveryAttempt({
        jobId: job.id,
        kind: 'result',
        deliveryId: queueJob.id,
        attempt: queueJob.attempt,
        url: job.webhook_url,
        outcome,
        at,
      }),
    );
    const final = outcome.ok || queueJob.attempt >= queueJob.maxAttempts;
    await this.jobs.recordWebhookAttempt(job.id, outcome.ok ? true : final ? false : null, at);
    this.metrics.deliveries.inc({ kind: 'result', result: deliveryResult(outcome.ok, final) });
    if (outcome.ok) {
      this.logger.info(
        { jobId: job.id, statusCode: outcome.statusCode, attempt: queueJob.attempt },
        'webhook delivered',
      );
      await this.scheduleScan(job.id);
      return;
    }
    this.logger.warn(
      { jobId: job.id, attempt: queueJob.attempt, of: queueJob.maxAttempts, error: outcome.error },
      final ? 'webhook undeliverable; giving up' : 'webhook attempt failed; will retry',
    );
    if (final) {
      await this.scheduleScan(job.id);
      return;
    }
    if (outcome.retryAfterMs !== null)
      throw new RetryLaterError(outcome.error ?? 'retry', outcome.retryAfterMs);
    throw new Error(outcome.error ?? 'webhook delivery failed');
  };

  private async scheduleScan(jobId: string): Promise<void> {
    if (!this.options.selfHealingEnabled) return;
    const runAt = this.now().getTime() + this.options.selfHealingDelayMs;
    await this.queue.enqueue(
      QUEUES.selfHealingScan,
      { jobId },
      { runAt, singletonKey: `scan:${jobId}`, maxAttempts: 5 },
    );
    this.logger.info(
      { jobId, dueAt: new Date(runAt).toISOString() },
      `[Self-Healing] Waiting ${seconds(this.options.selfHealingDelayMs)} seconds for SF to process webhook...`,
    );
  }
}
