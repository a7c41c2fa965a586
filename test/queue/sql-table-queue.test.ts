import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CompiledQuery as Compiled, type CompiledQuery, type KyselyPlugin } from 'kysely';
import pino from 'pino';
import { backoffDelay, RetryLaterError } from '../../src/queue/queue.ts';
import { SqlTableQueue } from '../../src/queue/sql-table-queue.ts';
import { type Db, openDatabase } from '../../src/store/database.ts';
import { tempDir } from '../support/temp-dir.ts';

const logger = pino({ level: 'silent' });

describe('SqlTableQueue over a SQLite file', () => {
  const folder = tempDir();
  let db: Db;
  let other: Db;
  before(async () => {
    db = await openDatabase(`sqlite:${join(folder.path, 'queue.db')}`);
    other = await openDatabase(`sqlite:${join(folder.path, 'queue.db')}`);
  });
  after(async () => {
    await db.destroy();
    await other.destroy();
    folder.remove();
  });

  test('two queues on one database never run the same job twice', async () => {
    const a = new SqlTableQueue(db, logger, { pollMs: 5 });
    const b = new SqlTableQueue(other, logger, { pollMs: 5 });
    const seen: string[] = [];
    const handler = async (job: { payload: { n: number } }) => {
      seen.push(String(job.payload.n));
      await new Promise((resolve) => setTimeout(resolve, 1));
    };
    a.work('race', handler, { concurrency: 3 });
    b.work('race', handler, { concurrency: 3 });
    for (let n = 0; n < 60; n += 1) await a.enqueue('race', { n });
    await a.start();
    await b.start();
    await a.idle(['race']);
    await a.stop();
    await b.stop();
    assert.equal(seen.length, 60);
    assert.equal(new Set(seen).size, 60);
  });

  test('a failing job is retried with backoff until it succeeds; a non-retryable error fails at once', async () => {
    const queue = new SqlTableQueue(db, logger, { pollMs: 5 });
    const attempts: number[] = [];
    queue.work<{ kind: string }>(
      'flaky',
      async (job) => {
        if (job.payload.kind === 'fatal') throw Object.assign(new Error('bad payload'), { retryable: false });
        attempts.push(job.attempt);
        if (job.attempt < 3) throw new Error('try again');
      },
      { retry: { baseDelayMs: 10, maxDelayMs: 50 } },
    );
    await queue.enqueue('flaky', { kind: 'flaky' });
    const fatal = await queue.enqueue('flaky', { kind: 'fatal' });
    await queue.start();
    await queue.idle(['flaky']);
    await queue.stop();
    assert.deepEqual(attempts, [1, 2, 3]);
    const row = await db
      .selectFrom('queue_jobs')
      .selectAll()
      .where('id', '=', fatal!)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'failed');
    assert.equal(row.attempts, 1);
    assert.equal(row.last_error, 'bad payload');
  });

  test('a job is not run before its time; RetryLaterError sets the delay', async () => {
    const queue = new SqlTableQueue(db, logger, { pollMs: 5 });
    const runs: number[] = [];
    queue.work('later', async (job) => {
      runs.push(Date.now());
      if (job.attempt === 1) throw new RetryLaterError('429', 150);
    });
    const start = Date.now();
    await queue.enqueue('later', {}, { runAt: start + 100 });
    await queue.start();
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(runs.length, 0, 'not due yet');
    await queue.idle(['later'], 5_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await queue.idle(['later'], 5_000);
    await queue.stop();
    assert.equal(runs.length, 2);
    assert.ok(runs[0]! - start >= 95, `first run after runAt (${runs[0]! - start} ms)`);
    assert.ok(runs[1]! - runs[0]! >= 140, `retry after retry-after (${runs[1]! - runs[0]!} ms)`);
  });

  test('a singleton key admits one unfinished job, and a new one once it is done', async () => {
    const queue = new SqlTableQueue(db, logger, { pollMs: 5 });
    const first = await queue.enqueue(
      'single',
      { n: 1 },
      { singletonKey: 'scan:job-1', runAt: Date.now() + 60_000 },
    );
    const second = await queue.enqueue('single', { n: 2 }, { singletonKey: 'scan:job-1' });
    assert.ok(first);
    assert.equal(second, null);
    await db.updateTable('queue_jobs').set({ status: 'done' }).where('id', '=', first).execute();
    assert.ok(await queue.enqueue('single', { n: 3 }, { singletonKey: 'scan:job-1' }));
  });

  test('jobs left active by a dead process are resumed at start; a live lease is left alone', async () => {
    const queue = new SqlTableQueue(db, logger, { pollMs: 5 });
    const orphan = await queue.enqueue('orphans', { n: 'orphan' });
    const leased = await queue.enqueue('orphans', { n: 'leased' });
    const farFuture = Date.now() + 3_600_000;
    await db
      .updateTable('queue_jobs')
      .set({ status: 'active', locked_by: `${hostname()}:999999:dead`, lease_until: farFuture, attempts: 1 })
      .where('id', '=', orphan!)
      .execute();
    await db
      .updateTable('queue_jobs')
      .set({
        status: 'active',
        locked_by: `${hostname()}:${process.ppid}:live`,
        lease_until: farFuture,
        attempts: 1,
      })
      .where('id', '=', leased!)
      .execute();
    const ran: string[] = [];
    queue.work<{ n: string }>('orphans', async (job) => {
      ran.push(job.payload.n);
    });
    await queue.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await queue.stop();
    assert.deepEqual(ran, ['orphan']);
  });

  test('a claim reads the oldest due job off the index instead of sorting the whole backlog', async () => {
    const executed: CompiledQuery[] = [];
    const capture: KyselyPlugin = {
      transformQuery: (args) => {
        executed.push(db.getExecutor().compileQuery(args.node, args.queryId));
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const queue = new SqlTableQueue(db.withPlugin(capture), logger, { pollMs: 5 });
    for (let n = 0; n < 40; n += 1) await queue.enqueue('backlog', { n });
    queue.work('backlog', async () => {});
    await queue.start();
    await queue.idle(['backlog']);
    await queue.stop();
    const claim = executed.find((query) =>
      /^update "queue_jobs" set "status" = \?, "attempts"/.test(query.sql),
    );
    assert.ok(claim, 'the claim statement was captured');
    const plan = await db.executeQuery<{ detail: string }>(
      Compiled.raw(`explain query plan ${claim.sql}`, [...claim.parameters]),
    );
    const steps = plan.rows.map((row) => row.detail);
    // Only the two candidates (oldest queued, oldest expired lease) may be sorted, after both are read:
    // a sort before that is a sort of every due job, which made each claim cost O(backlog).
    const candidatesRead = steps.indexOf('SCAN due');
    assert.ok(candidatesRead >= 0, steps.join(' | '));
    const sorts = steps.flatMap((step, index) => (step.includes('TEMP B-TREE') ? [index] : []));
    assert.ok(
      sorts.every((index) => index > candidatesRead),
      `the backlog is sorted: ${steps.join(' | ')}`,
    );
  });

  test('backoff doubles with ±20% jitter and stops at the maximum', () => {
    const policy = { baseDelayMs: 1000, maxDelayMs: 10_000 };
    assert.equal(
      backoffDelay(policy, 1, () => 0.5),
      1000,
    );
    assert.equal(
      backoffDelay(policy, 3, () => 0.5),
      4000,
    );
    assert.equal(
      backoffDelay(policy, 10, () => 0.5),
      10_000,
    );
    assert.equal(
      backoffDelay(policy, 2, () => 0),
      1600,
    );
    assert.equal(
      backoffDelay(policy, 2, () => 1),
      2400,
    );
  });
});
