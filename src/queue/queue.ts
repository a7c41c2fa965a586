import type { Db } from '../store/database.ts';

/**
 * The one durable-work interface: delayed scans, verification, webhook and correction
 * deliveries all go through it. At-least-once: a handler may run again after a crash, so every
 * handler is idempotent. Drivers: an in-process driver over a SQL table (SQLite default).
 */

export interface QueueJob<Payload> {
  readonly id: string;
  readonly queue: string;
  readonly payload: Payload;
  /** 1 on the first run. */
  readonly attempt: number;
  readonly maxAttempts: number;
}

export interface EnqueueOptions {
  /** Not before this instant (epoch ms or Date). Default: now. */
  readonly runAt?: number | Date;
  /** At most one unfinished job per key; a second enqueue with the same key is a no-op. */
  readonly singletonKey?: string;
  /** Default 5. */
  readonly maxAttempts?: number;
  /**
   * Enqueue inside this database transaction, so the job exists if and only if the state
   * change that caused it commits. Drivers on another store ignore it.
   */
  readonly transaction?: Db;
}

export interface RetryPolicy {
  /** Delay before the second attempt, ms; it doubles each time, with ±20% jitter. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface WorkOptions {
  readonly concurrency?: number;
  readonly retry?: RetryPolicy;
}

export type JobHandler<Payload> = (job: QueueJob<Payload>) => Promise<void>;

/** A handler throws this to ask for a specific delay (e.g. a 429 with retry-after). */
export class RetryLaterError extends Error {
  readonly retryable = true;
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}

/** A handler throws an error with `retryable: false` to fail the job at once. */
export function isRetryable(error: unknown): boolean {
  return !(
    typeof error === 'object' &&
    error !== null &&
    (error as { retryable?: unknown }).retryable === false
  );
}

export interface QueueCounts {
  readonly queued: number;
  readonly active: number;
  readonly done: number;
  readonly failed: number;
}

export interface Queue {
  /** Returns the job id, or null when a job with the same singleton key is still unfinished. */
  enqueue(queue: string, payload: unknown, options?: EnqueueOptions): Promise<string | null>;
  /** Many jobs of one queue in one statement (no singleton keys), e.g. inside an intake batch. */
  enqueueMany(
    queue: string,
    payloads: readonly unknown[],
    options?: Omit<EnqueueOptions, 'singletonKey'>,
  ): Promise<void>;
  work<Payload>(queue: string, handler: JobHandler<Payload>, options?: WorkOptions): void;
  start(): Promise<void>;
  /** Stops claiming and waits for running handlers. */
  stop(): Promise<void>;
  counts(queue?: string): Promise<QueueCounts>;
  /**
   * Resolves when no job of these queues is running, due, or waiting to retry (tests, demos,
   * benchmarks). Jobs scheduled for later that never ran (a delayed scan) do not count.
   */
  idle(queues?: readonly string[], timeoutMs?: number): Promise<void>;
}

export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jitter = 1 + (random() * 0.4 - 0.2);
  return Math.max(0, Math.round(exponential * jitter));
}
