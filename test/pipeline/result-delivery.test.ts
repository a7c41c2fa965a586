import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { signatureHeader } from '../../src/delivery/signed-post.ts';
import { QUEUES } from '../../src/pipeline/queues.ts';
import { type LoopbackReceiver, startReceiver } from '../support/loopback-receiver.ts';
import { tempDir } from '../support/temp-dir.ts';
import { startTestVerity, TEST_API_KEY, type TestVerity } from '../support/test-verity.ts';

const disposal = readFileSync(
  new URL('../../examples/peer-jobs/recent-job-1-IE101WC.json', import.meta.url),
  'utf8',
);
const headers = { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY };
const SECRET = 'whsec-test-secret';

async function submit(verity: TestVerity, payload = disposal): Promise<string> {
  const response = await verity.app.inject({
    method: 'POST',
    url: '/api/verify/salesforce',
    headers,
    payload,
  });
  assert.equal(response.statusCode, 202, response.body);
  return (response.json() as { jobId: string }).jobId;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('result webhook against a loopback Salesforce', () => {
  let receiver: LoopbackReceiver;
  let verity: TestVerity;
  before(async () => {
    receiver = await startReceiver([503, 200]);
    verity = await startTestVerity({
      SF_WEBHOOK_URL: receiver.url,
      SF_API_KEY: 'sf-outbound-key',
      WEBHOOK_SIGNING_SECRET: SECRET,
      SELF_HEALING_DELAY_AFTER_WEBHOOK: '60000',
    });
  });
  after(async () => {
    await verity.close();
    await receiver.close();
  });

  test('5xx then success: two attempts recorded, the envelope of the contract, signed, scan scheduled', async () => {
    const before = Date.now();
    const jobId = await submit(verity);
    await receiver.waitFor(2);
    await verity.queue.idle([QUEUES.verify, QUEUES.deliverResult]);

    const attempts = await verity.deliveries.attemptsFor(jobId, 'result');
    assert.deepEqual(
      attempts.map((attempt) => [attempt.attempt, attempt.status_code, attempt.succeeded]),
      [
        [1, 503, 0],
        [2, 200, 1],
      ],
    );
    const job = await verity.jobs.get(jobId);
    assert.equal(job?.webhook_success, 1);
    assert.equal(job?.webhook_attempts, 2);

    const delivered = receiver.requests[1]!;
    assert.equal(delivered.headers['x-api-key'], 'sf-outbound-key');
    assert.equal(delivered.headers['x-job-id'], jobId);
    assert.equal(delivered.headers['idempotency-key'], receiver.requests[0]!.headers['idempotency-key']);
    const timestamp = Number(delivered.headers['x-verity-timestamp']);
    assert.equal(delivered.headers['x-verity-signature'], signatureHeader(SECRET, timestamp, delivered.body));
    const envelope = delivered.json as {
      success: boolean;
      sessionId: string;
      processingTimeMs: number;
      data: Record<string, unknown>;
    };
    assert.equal(envelope.success, true);
    assert.equal(envelope.sessionId, jobId);
    assert.equal(typeof envelope.processingTimeMs, 'number');
    assert.equal(envelope.data.SF_Catalog_Id, 'a03aZ00000AsOWPQA3');
    assert.equal(envelope.data.SF_Catalog_Name, 'IE101WC');
    for (const key of [
      'Primary_Attributes',
      'Top_Filter_Attributes',
      'Top_Filter_Attribute_Ids',
      'Verification',
      'Status',
    ]) {
      assert.ok(key in envelope.data, `envelope data has ${key}`);
    }

    const scan = await verity.db
      .selectFrom('queue_jobs')
      .selectAll()
      .where('queue', '=', QUEUES.selfHealingScan)
      .executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(scan.payload), { jobId });
    assert.equal(scan.status, 'queued');
    assert.ok(Number(scan.run_at) >= before + 60_000, 'scan due after the configured delay');
  });
});

describe('result webhook: undeliverable', () => {
  test('every attempt fails: the job says so and the scan is still scheduled', async () => {
    const receiver = await startReceiver([500]);
    const verity = await startTestVerity({ SF_WEBHOOK_URL: receiver.url, WEBHOOK_MAX_ATTEMPTS: '3' });
    try {
      const jobId = await submit(verity);
      await receiver.waitFor(3);
      await verity.queue.idle([QUEUES.verify, QUEUES.deliverResult]);
      const job = await verity.jobs.get(jobId);
      assert.equal(job?.webhook_success, 0);
      assert.equal(job?.webhook_attempts, 3);
      assert.equal((await verity.deliveries.attemptsFor(jobId)).length, 3);
      const scans = await verity.db
        .selectFrom('queue_jobs')
        .select('payload')
        .where('queue', '=', QUEUES.selfHealingScan)
        .execute();
      assert.deepEqual(
        scans.map((scan) => JSON.parse(scan.payload)),
        [{ jobId }],
      );
    } finally {
      await verity.close();
      await receiver.close();
    }
  });
});

describe('result webhook: a restart between attempts', () => {
  test('the retry survives the restart and the result is delivered exactly once', async () => {
    const receiver = await startReceiver([503]);
    const folder = tempDir();
    const overrides = { SF_WEBHOOK_URL: receiver.url, WEBHOOK_RETRY_BASE_MS: '300' };
    try {
      const first = await startTestVerity(overrides, { dir: folder.path });
      const jobId = await submit(first);
      await receiver.waitFor(1);
      await waitUntil(async () => (await first.deliveries.attemptsFor(jobId)).length === 1);
      await first.close(true);

      receiver.script([200]);
      const second = await startTestVerity(overrides, { dir: folder.path });
      try {
        await receiver.waitFor(2);
        await second.queue.idle([QUEUES.deliverResult]);
        await new Promise((resolve) => setTimeout(resolve, 400)); // room for a wrong extra send
        assert.equal(receiver.requests.length, 2);
        const job = await second.jobs.get(jobId);
        assert.equal(job?.webhook_success, 1);
        assert.deepEqual(
          (await second.deliveries.attemptsFor(jobId)).map((attempt) => attempt.status_code),
          [503, 200],
        );
        const scans = await second.db
          .selectFrom('queue_jobs')
          .select('payload')
          .where('queue', '=', QUEUES.selfHealingScan)
          .execute();
        assert.equal(scans.length, 1, 'one scan scheduled, visible after the restart');
      } finally {
        await second.close(true);
      }
    } finally {
      folder.remove();
      await receiver.close();
    }
  });
});

describe('result webhook: a record may name its own receiver only on an allowlisted host', () => {
  test('an unlisted host falls back to SF_WEBHOOK_URL; nothing is sent to the record URL', async () => {
    const receiver = await startReceiver([200]);
    const verity = await startTestVerity({
      SF_WEBHOOK_URL: receiver.url,
      WEBHOOK_URL_ALLOWED_HOSTS: 'example.my.salesforce-sites.com',
    });
    try {
      const payload = JSON.stringify({
        ...(JSON.parse(disposal) as object),
        webhookUrl: 'http://169.254.169.254/latest/meta-data',
      });
      const response = await verity.app.inject({
        method: 'POST',
        url: '/api/verify/salesforce',
        headers,
        payload,
      });
      assert.equal((response.json() as { webhookUrl: string }).webhookUrl, receiver.url);
      await receiver.waitFor(1);
    } finally {
      await verity.close();
      await receiver.close();
    }
  });
});
