import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.ts';
import type { Queue } from '../queue/queue.ts';
import type { Db } from '../store/database.ts';
import { JobRepository, type JobRow, type NewJob } from '../store/job-repository.ts';
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
  /** Most records one group commit stores (default 128). */
  readonly maxBatch?: number;
}

export function contentHash(payload: unknown): string {
  return createHash('sha256').update(canonicalJson(payload)).digest('hex');
}

interface Pending {
  readonly rawBody: string;
  readonly payload: Record<string, unknown>;
  readonly hash: string;
  readonly resolve: (accepted: AcceptedRecord) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Intake: store the record exactly as received and queue its verification, in one transaction,
 * before the 202 is sent. Records arriving together share one transaction (a group commit: one
 * duplicate lookup, one insert of jobs, one insert of queue rows), which is what lets intake
 * keep up with Salesforce bursts. A record re-sent with the same `SF_Catalog_Id` and identical
 * content (the org re-sends; PEER-CONTRACT §0) gets the job that already exists.
 */
export class IntakeService {
  private pending: Pending[] = [];
  private flushScheduled = false;

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
        // Credentials in a URL are refused at intake (record-validation); never used if they get here.
        const allowed =
          (url.protocol === 'https:' || url.protocol === 'http:') &&
          url.username === '' &&
          url.password === '' &&
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

  accept(rawBody: string, payload: Record<string, unknown>): Promise<AcceptedRecord> {
    return new Promise((resolve, reject) => {
      this.pending.push({ rawBody, payload, hash: contentHash(payload), resolve, reject });
      if (this.pending.length >= (this.options.maxBatch ?? 128)) void this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      const results = await this.store(batch);
      for (const [index, item] of batch.entries()) item.resolve(results[index]!);
    } catch (error) {
      for (const item of batch) item.reject(error);
    }
  }

  private async store(batch: readonly Pending[]): Promise<AcceptedRecord[]> {
    const at = this.now().toISOString();
    const keyOf = (sfCatalogId: string, hash: string) => `${sfCatalogId}|${hash}`;
    const existing = await this.jobs.findIdenticalMany(
      batch.map((item) => ({ sfCatalogId: String(item.payload.SF_Catalog_Id), contentHash: item.hash })),
    );
    const results: AcceptedRecord[] = [];
    const created = new Map<string, JobRow>();
    const newJobs: NewJob[] = [];
    const duplicates: string[] = [];
    for (const item of batch) {
      const sfCatalogId = String(item.payload.SF_Catalog_Id);
      const key = keyOf(sfCatalogId, item.hash);
      const known = existing.get(key) ?? created.get(key);
      if (known) {
        duplicates.push(known.id);
        results.push({ job: known, duplicate: true, webhookUrl: known.webhook_url });
        continue;
      }
      const job: NewJob = {
        id: randomUUID(),
        sfCatalogId,
        sfCatalogName: String(item.payload.SF_Catalog_Name),
        contentHash: item.hash,
        rawPayload: item.rawBody,
        webhookUrl: this.resolveWebhookUrl(item.payload.webhookUrl),
        receivedAt: at,
      };
      const row = JobRepository.rowOf(job);
      created.set(key, row);
      newJobs.push(job);
      results.push({ job: row, duplicate: false, webhookUrl: job.webhookUrl });
    }
    if (newJobs.length > 0) {
      await this.db.transaction().execute(async (trx) => {
        await this.jobs.insertMany(newJobs, trx);
        await this.queue.enqueueMany(
          QUEUES.verify,
          newJobs.map((job) => ({ jobId: job.id })),
          { maxAttempts: 3, transaction: trx },
        );
      });
    }
    for (const id of duplicates) await this.jobs.countDuplicate(id, at);
    this.metrics.recordsReceived.inc({ outcome: 'accepted' }, newJobs.length);
    if (duplicates.length > 0) {
      this.metrics.recordsReceived.inc({ outcome: 'duplicate' }, duplicates.length);
      this.logger.info({ jobIds: duplicates }, 'identical record re-sent; not verified again');
    }
    return results;
  }
}
