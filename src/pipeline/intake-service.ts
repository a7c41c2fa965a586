import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.ts';
import type { Queue } from '../queue/queue.ts';
import type { Db } from '../store/database.ts';
import type { JobRepository, JobRow } from '../store/job-repository.ts';
import { canonicalJson } from '../store/json.ts';
import { QUEUES } from './queues.ts';

export interface AcceptedRecord {
  readonly job: JobRow;
  /** True when an identical record was already received: it is not verified twice. */
  readonly duplicate: boolean;
  readonly webhookUrl: string | null;
}

export interface IntakeOptions {
  readonly defaultWebhookUrl: string | null;
  /** Hosts a record's own `webhookUrl` may name. */
  readonly allowedWebhookHosts: readonly string[];
}

export function contentHash(payload: unknown): string {
  return createHash('sha256').update(canonicalJson(payload)).digest('hex');
}

/**
 * Intake: store the record exactly as received and queue its verification, in one transaction.
 * A record re-sent with the same `SF_Catalog_Id` and identical content (the org re-sends; see
 * PEER-CONTRACT §0) gets the job that already exists.
 */
export class IntakeService {
  constructor(
    private readonly db: Db,
    private readonly jobs: JobRepository,
    private readonly queue: Queue,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly options: IntakeOptions,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The webhook URL a record may use: its own only when its host is allowlisted. */
  resolveWebhookUrl(requested: unknown): string | null {
    if (typeof requested === 'string' && requested.trim() !== '') {
      try {
        const url = new URL(requested);
        const allowed =
          (url.protocol === 'https:' || url.protocol === 'http:') &&
          this.options.allowedWebhookHosts.includes(url.hostname.toLowerCase());
        if (allowed) return url.toString();
        this.logger.warn(
          { host: url.hostname },
          'record webhookUrl host is not allowlisted; using the default',
        );
      } catch {
        this.logger.warn('record webhookUrl is not a URL; using the default');
      }
    }
    return this.options.defaultWebhookUrl;
  }

  async accept(rawBody: string, payload: Record<string, unknown>): Promise<AcceptedRecord> {
    const sfCatalogId = String(payload.SF_Catalog_Id);
    const hash = contentHash(payload);
    const at = this.now().toISOString();
    const existing = await this.jobs.findIdentical(sfCatalogId, hash);
    if (existing) {
      await this.jobs.countDuplicate(existing.id, at);
      this.metrics.recordsReceived.inc({ outcome: 'duplicate' });
      this.logger.info({ jobId: existing.id, sfCatalogId }, 'identical record re-sent; not verified again');
      return { job: existing, duplicate: true, webhookUrl: existing.webhook_url };
    }
    const webhookUrl = this.resolveWebhookUrl(payload.webhookUrl);
    const id = randomUUID();
    await this.db.transaction().execute(async (trx) => {
      await this.jobs.insert(
        {
          id,
          sfCatalogId,
          sfCatalogName: String(payload.SF_Catalog_Name),
          contentHash: hash,
          rawPayload: rawBody,
          webhookUrl,
          receivedAt: at,
        },
        trx,
      );
      await this.queue.enqueue(QUEUES.verify, { jobId: id }, { maxAttempts: 3, transaction: trx });
    });
    this.metrics.recordsReceived.inc({ outcome: 'accepted' });
    const job = await this.jobs.get(id);
    return { job: job!, duplicate: false, webhookUrl };
  }
}
