import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startTestVerity, TEST_API_KEY, type TestVerity } from '../support/test-verity.ts';

const disposal = readFileSync(
  new URL('../../examples/peer-jobs/recent-job-1-IE101WC.json', import.meta.url),
  'utf8',
);
const headers = { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY };

describe('POST /api/verify/salesforce/acknowledge/:jobId body', () => {
  let verity: TestVerity;
  let jobId: string;
  before(async () => {
    verity = await startTestVerity({}, { workers: false });
    const accepted = await verity.app.inject({
      method: 'POST',
      url: '/api/verify/salesforce',
      headers,
      payload: disposal,
    });
    jobId = (accepted.json() as { jobId: string }).jobId;
  });
  after(() => verity.close());

  for (const payload of ['null', '[]', '[{"received":true}]', '"received"', '42', 'true']) {
    test(`${payload} is refused with 400 and the job is left as it was`, async () => {
      const response = await verity.app.inject({
        method: 'POST',
        url: `/api/verify/salesforce/acknowledge/${jobId}`,
        headers,
        payload,
      });
      assert.equal(response.statusCode, 400, response.body);
      assert.deepEqual(response.json(), {
        success: false,
        error: 'Request body must be a JSON object (received, processed, error)',
      });
      assert.equal((await verity.jobs.get(jobId))?.sf_acknowledged, null);
    });
  }

  test('no body at all takes the defaults', async () => {
    const response = await verity.app.inject({
      method: 'POST',
      url: `/api/verify/salesforce/acknowledge/${jobId}`,
      headers: { 'x-api-key': TEST_API_KEY },
    });
    assert.equal(response.statusCode, 200, response.body);
    const job = await verity.jobs.get(jobId);
    assert.equal(job?.sf_acknowledged, 1);
    assert.equal(job?.sf_processed, 0);
  });
});
