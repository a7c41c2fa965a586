import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CommandIo } from '../../src/cli/cli-errors.ts';
import { verifyCommand } from '../../src/cli/verify-command.ts';
import { QUEUES } from '../../src/pipeline/queues.ts';
import { type LoopbackReceiver, startReceiver } from '../support/loopback-receiver.ts';
import { tempDir } from '../support/temp-dir.ts';
import { startTestVerity, TEST_API_KEY, type TestVerity } from '../support/test-verity.ts';

const fan = JSON.parse(
  readFileSync(new URL('../../examples/peer-jobs/recent-job-5-310452SNB.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const headers = { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY };

/** A record far larger than any real one but under the 10 MB body limit: 200,000 spec entries. */
function hugeRecord(): string {
  const specs = Array.from({ length: 200_000 }, (_, index) => ({
    name: `Spec ${index}`,
    value: `v${index}`,
  }));
  return JSON.stringify({ ...fan, Web_Retailer_Specs: specs });
}

describe('records with hundreds of thousands of entries', () => {
  let receiver: LoopbackReceiver;
  let verity: TestVerity;
  before(async () => {
    receiver = await startReceiver([200]);
    verity = await startTestVerity({ SF_WEBHOOK_URL: receiver.url });
  });
  after(async () => {
    await verity.close();
    await receiver.close();
  });

  test('are verified and delivered, not left processing', async () => {
    const payload = hugeRecord();
    assert.ok(payload.length > 7_000_000 && payload.length < 10 * 1024 * 1024);
    const accepted = await verity.app.inject({
      method: 'POST',
      url: '/api/verify/salesforce',
      headers,
      payload,
    });
    assert.equal(accepted.statusCode, 202, accepted.body);
    const { jobId } = accepted.json() as { jobId: string };
    await receiver.waitFor(1, 60_000);
    await verity.queue.idle([QUEUES.verify, QUEUES.deliverResult], 60_000);
    const job = await verity.jobs.get(jobId);
    assert.equal(job?.status, 'completed', job?.error ?? '');
    assert.equal((receiver.requests[0]!.json as { success: boolean }).success, true);
    assert.deepEqual(await verity.jobs.statusCounts(), {
      pending: 0,
      processing: 0,
      completed: 1,
      failed: 0,
    });
  });

  test('`verity verify` prints a result for such a file', async () => {
    const folder = tempDir();
    try {
      const file = join(folder.path, 'huge.json');
      writeFileSync(file, hugeRecord());
      let out = '';
      let err = '';
      const io: CommandIo = {
        stdout: { write: (text: string) => (out += text) },
        stderr: { write: (text: string) => (err += text) },
      };
      const code = await verifyCommand([file, '--at', '2026-01-28T22:25:00Z'], io);
      assert.equal(code, 0, err);
      const result = JSON.parse(out) as { SF_Catalog_Id: string };
      assert.equal(result.SF_Catalog_Id, fan.SF_Catalog_Id);
    } finally {
      folder.remove();
    }
  });
});

describe('a job whose verification fails for good', () => {
  let receiver: LoopbackReceiver;
  let verity: TestVerity;
  before(async () => {
    receiver = await startReceiver([200]);
    verity = await startTestVerity({ SF_WEBHOOK_URL: receiver.url });
  });
  after(async () => {
    await verity.close();
    await receiver.close();
  });

  /** A stored job whose payload cannot be read back: every attempt to verify it throws. */
  async function storeUnreadableJob(maxAttempts: number): Promise<string> {
    const id = randomUUID();
    await verity.jobs.insert({
      id,
      sfCatalogId: 'a03aZ00000AsOWPQA3',
      sfCatalogName: 'IE101WC',
      contentHash: randomUUID(),
      rawPayload: '{"SF_Catalog_Id": "a03aZ00000AsOWPQA3", ',
      webhookUrl: receiver.url,
      receivedAt: new Date().toISOString(),
    });
    await verity.queue.enqueue(QUEUES.verify, { jobId: id }, { maxAttempts });
    return id;
  }

  for (const maxAttempts of [1, 2]) {
    test(`after ${maxAttempts} attempt(s): the job is failed with the error and the failure webhook is sent`, async () => {
      const before = receiver.requests.length;
      const jobId = await storeUnreadableJob(maxAttempts);
      await receiver.waitFor(before + 1, 20_000);
      await verity.queue.idle([QUEUES.verify, QUEUES.deliverResult], 20_000);

      const job = await verity.jobs.get(jobId);
      assert.equal(job?.status, 'failed');
      assert.match(job?.error ?? '', /^verification failed: .*JSON/);
      assert.equal(job?.webhook_success, 1);

      const delivered = receiver.requests[before]!;
      assert.equal(delivered.headers['x-job-id'], jobId);
      const envelope = delivered.json as Record<string, unknown>;
      assert.equal(envelope.success, false);
      assert.deepEqual(envelope.data, { SF_Catalog_Id: 'a03aZ00000AsOWPQA3', SF_Catalog_Name: 'IE101WC' });
      assert.equal(envelope.sessionId, jobId);

      const status = await verity.app.inject({
        method: 'GET',
        url: `/api/verify/salesforce/status/${jobId}`,
        headers,
      });
      const body = status.json() as { status: string; error: string };
      assert.equal(body.status, 'failed');
      assert.match(body.error, /verification failed/);

      const row = await verity.db
        .selectFrom('queue_jobs')
        .select(['status', 'attempts'])
        .where('queue', '=', QUEUES.verify)
        .where('payload', '=', JSON.stringify({ jobId }))
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { status: 'failed', attempts: maxAttempts });
    });
  }

  test('no job is left processing', async () => {
    const counts = await verity.jobs.statusCounts();
    assert.equal(counts.processing, 0);
    assert.equal(counts.pending, 0);
  });
});
