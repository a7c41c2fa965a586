import type { Db } from './database.ts';
import type { JobStatus, JobsTable } from './schema.ts';

export type JobRow = JobsTable;

export interface NewJob {
  readonly id: string;
  readonly sfCatalogId: string;
  readonly sfCatalogName: string;
  readonly contentHash: string;
  readonly rawPayload: string;
  readonly webhookUrl: string | null;
  readonly receivedAt: string;
}

/** Jobs: the raw payload as received, the result, the rule set version, delivery and acknowledgement. */
export class JobRepository {
  constructor(private readonly db: Db) {}

  /** The row a new job is stored as. */
  static rowOf(job: NewJob): JobRow {
    return {
      id: job.id,
      sf_catalog_id: job.sfCatalogId,
      sf_catalog_name: job.sfCatalogName,
      content_hash: job.contentHash,
      status: 'pending',
      raw_payload: job.rawPayload,
      result: null,
      rule_set_version: null,
      category: null,
      webhook_url: job.webhookUrl,
      error: null,
      received_at: job.receivedAt,
      created_at: job.receivedAt,
      updated_at: job.receivedAt,
      started_at: null,
      completed_at: null,
      processing_time_ms: null,
      webhook_attempts: 0,
      webhook_success: null,
      webhook_last_attempt: null,
      sf_acknowledged: null,
      sf_processed: null,
      sf_error: null,
      sf_acknowledged_at: null,
      duplicate_count: 0,
    };
  }

  async insert(job: NewJob, executor: Db = this.db): Promise<void> {
    await this.insertMany([job], executor);
  }

  /** Several new jobs in one statement (the intake's group commit). */
  async insertMany(jobs: readonly NewJob[], executor: Db = this.db): Promise<void> {
    if (jobs.length === 0) return;
    await executor.insertInto('jobs').values(jobs.map(JobRepository.rowOf)).execute();
  }

  async get(id: string): Promise<JobRow | undefined> {
    return this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** For each (record id, content hash) pair, the latest job with that content that did not fail. */
  async findIdenticalMany(
    pairs: readonly { sfCatalogId: string; contentHash: string }[],
  ): Promise<Map<string, JobRow>> {
    const found = new Map<string, JobRow>();
    if (pairs.length === 0) return found;
    const rows = await this.db
      .selectFrom('jobs')
      .selectAll()
      .where('content_hash', 'in', [...new Set(pairs.map((pair) => pair.contentHash))])
      .where('status', '!=', 'failed')
      .orderBy('created_at', 'desc')
      .execute();
    for (const row of rows) {
      const key = `${row.sf_catalog_id}|${row.content_hash}`;
      if (!found.has(key)) found.set(key, row);
    }
    return found;
  }

  /** The latest job with the same record id and identical content, if any. */
  async findIdentical(sfCatalogId: string, contentHash: string): Promise<JobRow | undefined> {
    return this.db
      .selectFrom('jobs')
      .selectAll()
      .where('sf_catalog_id', '=', sfCatalogId)
      .where('content_hash', '=', contentHash)
      .where('status', '!=', 'failed')
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
  }

  async countDuplicate(id: string, at: string): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set((eb) => ({ duplicate_count: eb('duplicate_count', '+', 1), updated_at: at }))
      .where('id', '=', id)
      .execute();
  }

  async markProcessing(id: string, at: string): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ status: 'processing', started_at: at, updated_at: at })
      .where('id', '=', id)
      .where('status', 'in', ['pending', 'processing'])
      .execute();
  }

  async complete(
    id: string,
    update: {
      result: string;
      ruleSetVersion: number;
      category: string | null;
      completedAt: string;
      processingTimeMs: number;
    },
    executor: Db = this.db,
  ): Promise<void> {
    await executor
      .updateTable('jobs')
      .set({
        status: 'completed',
        result: update.result,
        rule_set_version: update.ruleSetVersion,
        category: update.category,
        completed_at: update.completedAt,
        updated_at: update.completedAt,
        processing_time_ms: update.processingTimeMs,
        error: null,
      })
      .where('id', '=', id)
      .execute();
  }

  /** A correction re-verified the job under a newer rule set version: its result is now this. */
  async replaceResult(
    id: string,
    update: { result: string; ruleSetVersion: number; category: string | null },
    at: string,
    executor: Db = this.db,
  ) {
    await executor
      .updateTable('jobs')
      .set({
        result: update.result,
        rule_set_version: update.ruleSetVersion,
        category: update.category,
        updated_at: at,
      })
      .where('id', '=', id)
      .execute();
  }

  async fail(
    id: string,
    error: string,
    at: string,
    executor: Db = this.db,
    processingTimeMs: number | null = null,
  ): Promise<void> {
    await executor
      .updateTable('jobs')
      .set({
        status: 'failed',
        error,
        completed_at: at,
        updated_at: at,
        processing_time_ms: processingTimeMs,
      })
      .where('id', '=', id)
      .execute();
  }

  async recordWebhookAttempt(id: string, succeeded: boolean | null, at: string): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set((eb) => ({
        webhook_attempts: eb('webhook_attempts', '+', 1),
        webhook_last_attempt: at,
        webhook_success: succeeded === null ? null : succeeded ? 1 : 0,
        updated_at: at,
      }))
      .where('id', '=', id)
      .execute();
  }

  async acknowledge(
    id: string,
    ack: { received: boolean; processed: boolean; error: string | null; at: string },
  ): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({
        sf_acknowledged: ack.received ? 1 : 0,
        sf_processed: ack.processed ? 1 : 0,
        sf_error: ack.error,
        sf_acknowledged_at: ack.at,
        updated_at: ack.at,
      })
      .where('id', '=', id)
      .execute();
  }

  async statusCounts(): Promise<Record<JobStatus, number>> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
      .groupBy('status')
      .execute();
    const counts: Record<JobStatus, number> = { pending: 0, processing: 0, completed: 0, failed: 0 };
    for (const row of rows) counts[row.status] = Number(row.count);
    return counts;
  }

  async latestBySfCatalogId(sfCatalogId: string): Promise<JobRow | undefined> {
    return this.db
      .selectFrom('jobs')
      .selectAll()
      .where('sf_catalog_id', '=', sfCatalogId)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
  }
}
