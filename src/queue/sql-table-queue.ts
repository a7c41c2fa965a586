import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Db } from '../store/database.ts';
import {
  backoffDelay,
  type EnqueueOptions,
  isRetryable,
  type JobHandler,
  type Queue,
  type QueueCounts,
  RetryLaterError,
  type RetryPolicy,
  type WorkOptions,
} from './queue.ts';

const DEFAULT_RETRY: RetryPolicy = { baseDelayMs: 1000, maxDelayMs: 5 * 60_000 };

interface Worker {
  readonly queue: string;
  readonly handler: JobHandler<unknown>;
  readonly concurrency: number;
  readonly retry: RetryPolicy;
  running: number;
}

export interface SqlTableQueueOptions {
  /** How long a claimed job is ours before another process may take it over, ms. */
  readonly leaseMs?: number;
  /** Idle poll interval, ms: enqueues in this process wake the workers at once. */
  readonly pollMs?: number;
  readonly now?: () => number;
}

/**
 * The in-process queue driver over the `queue_jobs` table. Claiming is one UPDATE … RETURNING
 * of the oldest due job, so two processes on one database never run the same job. A claim
 * carries a lease; at start, jobs still leased by a dead process on this host are taken back at
 * once, so a crash loses nothing and a restart does not wait for the lease to run out.
 */
export class SqlTableQueue implements Queue {
  private readonly workers = new Map<string, Worker>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly instance = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private started = false;
  private polling = false;
  private pollAgain = false;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    options: SqlTableQueueOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 120_000;
    this.pollMs = options.pollMs ?? 250;
    this.now = options.now ?? Date.now;
  }

  async enqueue(queue: string, payload: unknown, options: EnqueueOptions = {}): Promise<string | null> {
    const id = randomUUID();
    const at = new Date(this.now()).toISOString();
    const runAt = options.runAt instanceof Date ? options.runAt.getTime() : (options.runAt ?? this.now());
    const executor = options.transaction ?? this.db;
    if (options.singletonKey !== undefined) {
      // A finished job with this key no longer blocks: release its key first.
      await executor
        .updateTable('queue_jobs')
        .set({ singleton_key: null })
        .where('singleton_key', '=', options.singletonKey)
        .where('status', 'in', ['done', 'failed'])
        .execute();
    }
    const inserted = await executor
      .insertInto('queue_jobs')
      .values({
        id,
        queue,
        payload: JSON.stringify(payload),
        status: 'queued',
        run_at: runAt,
        attempts: 0,
        max_attempts: options.maxAttempts ?? 5,
        lease_until: null,
        locked_by: null,
        last_error: null,
        singleton_key: options.singletonKey ?? null,
        created_at: at,
        updated_at: at,
      })
      .onConflict((conflict) => conflict.column('singleton_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted && runAt <= this.now()) this.wake();
    return inserted?.id ?? null;
  }

  async enqueueMany(
    queue: string,
    payloads: readonly unknown[],
    options: Omit<EnqueueOptions, 'singletonKey'> = {},
  ): Promise<void> {
    if (payloads.length === 0) return;
    const at = new Date(this.now()).toISOString();
    const runAt = options.runAt instanceof Date ? options.runAt.getTime() : (options.runAt ?? this.now());
    await (options.transaction ?? this.db)
      .insertInto('queue_jobs')
      .values(
        payloads.map((payload) => ({
          id: randomUUID(),
          queue,
          payload: JSON.stringify(payload),
          status: 'queued' as const,
          run_at: runAt,
          attempts: 0,
          max_attempts: options.maxAttempts ?? 5,
          lease_until: null,
          locked_by: null,
          last_error: null,
          singleton_key: null,
          created_at: at,
          updated_at: at,
        })),
      )
      .execute();
    if (runAt <= this.now()) this.wake();
  }

  work<Payload>(queue: string, handler: JobHandler<Payload>, options: WorkOptions = {}): void {
    this.workers.set(queue, {
      queue,
      handler: handler as JobHandler<unknown>,
      concurrency: options.concurrency ?? 1,
      retry: options.retry ?? DEFAULT_RETRY,
      running: 0,
    });
    if (this.started) this.wake();
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.reclaimFromDeadProcesses();
    this.started = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.inFlight]);
  }

  async counts(queue?: string): Promise<QueueCounts> {
    let query = this.db
      .selectFrom('queue_jobs')
      .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
      .groupBy('status');
    if (queue !== undefined) query = query.where('queue', '=', queue);
    const rows = await query.execute();
    const counts = { queued: 0, active: 0, done: 0, failed: 0 };
    for (const row of rows) counts[row.status] = Number(row.count);
    return counts;
  }

  async idle(queues?: readonly string[], timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let query = this.db
        .selectFrom('queue_jobs')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where((eb) =>
          eb.or([
            eb('status', '=', 'active'),
            eb.and([
              eb('status', '=', 'queued'),
              eb.or([eb('run_at', '<=', this.now()), eb('attempts', '>', 0)]),
            ]),
          ]),
        );
      if (queues) query = query.where('queue', 'in', [...queues]);
      const row = await query.executeTakeFirstOrThrow();
      if (Number(row.count) === 0 && this.inFlight.size === 0) return;
      if (Date.now() > deadline) throw new Error(`queue not idle after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private wake(): void {
    if (this.started) this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (!this.started) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), delayMs);
  }

  private async poll(): Promise<void> {
    this.timer = null;
    this.polling = true;
    this.pollAgain = false;
    try {
      for (const worker of this.workers.values()) {
        while (this.started && worker.running < worker.concurrency) {
          const claimed = await this.claim(worker.queue);
          if (!claimed) break;
          worker.running += 1;
          const run = this.run(worker, claimed).finally(() => {
            worker.running -= 1;
            this.inFlight.delete(run);
            this.wake();
          });
          this.inFlight.add(run);
        }
      }
    } catch (error) {
      this.logger.error({ err: error }, 'queue poll failed');
    } finally {
      this.polling = false;
      if (this.started) this.schedule(this.pollAgain ? 0 : this.pollMs);
    }
  }

  private async claim(queue: string) {
    const now = this.now();
    // The oldest due job of each kind, each read in order straight off the (queue, status, run_at)
    // index. One OR across both kinds made SQLite sort every due job on every claim: with a
    // backlog of a few thousand records a claim cost half a millisecond, most of intake's time.
    const oldest = (status: 'queued' | 'active') =>
      this.db
        .selectFrom('queue_jobs')
        .select(['id', 'run_at'])
        .where('queue', '=', queue)
        .where('status', '=', status)
        .where((eb) => (status === 'queued' ? eb('run_at', '<=', now) : eb('lease_until', '<', now)))
        .orderBy('run_at')
        .limit(1);
    const due = this.db
      .selectFrom(oldest('queued').as('queued'))
      .selectAll()
      .unionAll(this.db.selectFrom(oldest('active').as('lease_expired')).selectAll());
    return this.db
      .updateTable('queue_jobs')
      .set((eb) => ({
        status: 'active',
        attempts: eb('attempts', '+', 1),
        lease_until: now + this.leaseMs,
        locked_by: this.instance,
        updated_at: new Date(now).toISOString(),
      }))
      .where('id', '=', (eb) => eb.selectFrom(due.as('due')).select('due.id').orderBy('due.run_at').limit(1))
      .returningAll()
      .executeTakeFirst();
  }

  private async run(
    worker: Worker,
    row: { id: string; queue: string; payload: string; attempts: number; max_attempts: number },
  ): Promise<void> {
    const job = {
      id: row.id,
      queue: row.queue,
      payload: JSON.parse(row.payload) as unknown,
      attempt: row.attempts,
      maxAttempts: row.max_attempts,
    };
    try {
      await worker.handler(job);
      await this.finish(row.id, 'done', null);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!isRetryable(error) || job.attempt >= job.maxAttempts) {
        this.logger.warn(
          { queue: job.queue, jobId: job.id, attempt: job.attempt, err: message },
          'queue job failed',
        );
        await this.finish(row.id, 'failed', message);
        return;
      }
      const delay =
        error instanceof RetryLaterError
          ? error.delayMs
          : backoffDelay(worker.retry, job.attempt, Math.random);
      await this.db
        .updateTable('queue_jobs')
        .set({
          status: 'queued',
          run_at: this.now() + delay,
          lease_until: null,
          locked_by: null,
          last_error: message.slice(0, 2000),
          updated_at: new Date(this.now()).toISOString(),
        })
        .where('id', '=', row.id)
        .execute();
    }
  }

  private async finish(id: string, status: 'done' | 'failed', lastError: string | null): Promise<void> {
    await this.db
      .updateTable('queue_jobs')
      .set({
        status,
        lease_until: null,
        locked_by: null,
        last_error: lastError?.slice(0, 2000) ?? null,
        updated_at: new Date(this.now()).toISOString(),
      })
      .where('id', '=', id)
      .execute();
  }

  /** Jobs left `active` by a process of this host that no longer runs are due again now. */
  private async reclaimFromDeadProcesses(): Promise<void> {
    const active = await this.db
      .selectFrom('queue_jobs')
      .select(['id', 'locked_by'])
      .where('status', '=', 'active')
      .execute();
    const host = hostname();
    const orphans = active
      .filter((row) => {
        const [lockHost, pid] = (row.locked_by ?? '').split(':');
        return lockHost === host && pid !== undefined && !isProcessAlive(Number(pid));
      })
      .map((row) => row.id);
    if (orphans.length === 0) return;
    await this.db
      .updateTable('queue_jobs')
      .set({ status: 'queued', run_at: this.now(), lease_until: null, locked_by: null })
      .where('id', 'in', orphans)
      .execute();
    this.logger.info({ count: orphans.length }, 'queue: resumed jobs left running by a stopped process');
  }
}

function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
