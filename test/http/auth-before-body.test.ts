import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestVerity, TEST_API_KEY, type TestVerity } from '../support/test-verity.ts';

/**
 * The key is checked before the body is read: without the right key, what the body is (malformed,
 * too large, of the wrong type, missing) makes no difference and nothing is parsed or stored.
 */
describe('authentication comes before the body', () => {
  let verity: TestVerity;
  before(async () => {
    verity = await startTestVerity({ BODY_LIMIT_BYTES: '2000' }, { workers: false });
  });
  after(() => verity.close());

  const jobId = '00000000-0000-4000-8000-000000000000';
  const routes = [
    '/api/verify/salesforce',
    `/api/verify/salesforce/acknowledge/${jobId}`,
    '/api/webhook/confirm',
  ];
  const bodies: { name: string; headers: Record<string, string>; payload?: string }[] = [
    {
      name: 'malformed JSON',
      headers: { 'content-type': 'application/json' },
      payload: '{"SF_Catalog_Id": "a0',
    },
    {
      name: 'a body over the limit',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ pad: 'x'.repeat(5000) }),
    },
    {
      name: 'an unsupported content type',
      headers: { 'content-type': 'application/octet-stream' },
      payload: 'x',
    },
    { name: 'no content type', headers: {}, payload: '{}' },
  ];
  const keys: { name: string; headers: Record<string, string>; status: number; error: RegExp }[] = [
    { name: 'no key', headers: {}, status: 401, error: /key required/ },
    { name: 'a wrong key', headers: { 'x-api-key': 'wrong' }, status: 403, error: /invalid API key/ },
    {
      name: 'a wrong bearer token',
      headers: { authorization: `Bearer ${TEST_API_KEY}x` },
      status: 403,
      error: /invalid API key/,
    },
  ];
  for (const url of routes) {
    for (const body of bodies) {
      for (const key of keys) {
        test(`POST ${url} with ${body.name} and ${key.name}: ${key.status}`, async () => {
          const response = await verity.app.inject({
            method: 'POST',
            url,
            headers: { ...body.headers, ...key.headers },
            ...(body.payload === undefined ? {} : { payload: body.payload }),
          });
          assert.equal(response.statusCode, key.status, response.body);
          const error = (response.json() as { error: { message: string } }).error;
          assert.match(error.message, key.error);
        });
      }
    }
  }

  test('with the key, body errors are reported as before', async () => {
    const post = (headers: Record<string, string>, payload: string) =>
      verity.app.inject({
        method: 'POST',
        url: '/api/verify/salesforce',
        headers: { 'x-api-key': TEST_API_KEY, ...headers },
        payload,
      });
    assert.equal((await post({ 'content-type': 'application/json' }, '{"a')).statusCode, 400);
    assert.equal(
      (await post({ 'content-type': 'application/json' }, JSON.stringify({ pad: 'x'.repeat(5000) })))
        .statusCode,
      413,
    );
    assert.equal((await post({ 'content-type': 'application/octet-stream' }, 'x')).statusCode, 415);
    assert.equal((await verity.jobs.statusCounts()).pending, 0);
  });

  test('GET routes answer 401 without a key', async () => {
    for (const url of [`/api/verify/salesforce/status/${jobId}`, '/api/verify/salesforce/queue/stats']) {
      assert.equal((await verity.app.inject({ method: 'GET', url })).statusCode, 401);
    }
  });
});
