import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestVerity, TEST_ADMIN_KEY, TEST_API_KEY, type TestVerity } from '../support/test-verity.ts';

/**
 * A path parameter of any length reaches the key check first (fastify's router alone would
 * answer 414 for one over 100 characters, before any hook). With the key, an over-long id is
 * an ordinary unknown (404) or malformed (400) id in the route's usual error shape.
 */
describe('over-long path parameters', () => {
  let verity: TestVerity;
  before(async () => {
    verity = await startTestVerity({}, { workers: false, http: true });
  });
  after(() => verity.close());

  const json = { 'content-type': 'application/json' };
  const lengths = [101, 150, 5000];
  const routes = (id: string) =>
    [
      { method: 'GET', url: `/api/verify/salesforce/status/${id}`, key: TEST_API_KEY },
      { method: 'POST', url: `/api/verify/salesforce/acknowledge/${id}`, key: TEST_API_KEY },
      { method: 'GET', url: `/api/self-healing/status/${id}`, key: TEST_ADMIN_KEY },
      { method: 'GET', url: `/api/self-healing/runs/${id}`, key: TEST_ADMIN_KEY },
      { method: 'POST', url: `/api/self-healing/runs/${id}/approve`, key: TEST_ADMIN_KEY },
      { method: 'POST', url: `/api/self-healing/runs/${id}/reject`, key: TEST_ADMIN_KEY },
      { method: 'POST', url: `/api/self-healing/runs/${id}/false-positive`, key: TEST_ADMIN_KEY },
      { method: 'POST', url: `/api/rule-sets/${id}/activate`, key: TEST_ADMIN_KEY },
    ] as const;

  for (const length of lengths) {
    for (const route of routes('a'.repeat(length))) {
      const name = `${route.method} ${route.url.replace(/a{20,}/, `<${length} chars>`)}`;
      test(`${name} without a key: 401; with a wrong key: 403`, async () => {
        const anonymous = await verity.app.inject({ method: route.method, url: route.url });
        assert.equal(anonymous.statusCode, 401, anonymous.body);
        assert.equal((anonymous.json() as { error: { code: string } }).error.code, 'UNAUTHORIZED');
        const wrong = await verity.app.inject({
          method: route.method,
          url: route.url,
          headers: { 'x-api-key': 'wrong' },
        });
        assert.equal(wrong.statusCode, 403, wrong.body);
        assert.equal((wrong.json() as { error: { code: string } }).error.code, 'FORBIDDEN');
      });
    }
  }

  test('over real HTTP too: a 2,000-character job id gets 401 without the key', async () => {
    const response = await fetch(`${verity.url}/api/verify/salesforce/status/${'a'.repeat(2000)}`);
    assert.equal(response.status, 401);
  });

  for (const length of lengths) {
    const id = 'a'.repeat(length);
    test(`with the key, a ${length}-character job id on the contract's routes is an unknown job: 404`, async () => {
      for (const [method, url] of [
        ['GET', `/api/verify/salesforce/status/${id}`],
        ['POST', `/api/verify/salesforce/acknowledge/${id}`],
      ] as const) {
        const response = await verity.app.inject({
          method,
          url,
          headers: { 'x-api-key': TEST_API_KEY, ...(method === 'POST' ? json : {}) },
          ...(method === 'POST' ? { payload: '{}' } : {}),
        });
        assert.equal(response.statusCode, 404, `${method}: ${response.body}`);
        assert.deepEqual(response.json(), { success: false, error: 'Job not found' });
      }
    });

    test(`with the admin key, a ${length}-character id is malformed: 400 naming what an id looks like`, async () => {
      const expectations = [
        ['GET', `/api/self-healing/status/${id}`, /job id is the UUID/],
        ['GET', `/api/self-healing/runs/${id}`, /runId/],
        ['POST', `/api/self-healing/runs/${id}/approve`, /runId/],
        ['POST', `/api/self-healing/runs/${id}/false-positive`, /runId/],
        ['POST', `/api/rule-sets/${id}/activate`, /version/],
      ] as const;
      for (const [method, url, message] of expectations) {
        const response = await verity.app.inject({
          method,
          url,
          headers: { 'x-api-key': TEST_ADMIN_KEY, ...(method === 'POST' ? json : {}) },
          ...(method === 'POST' ? { payload: JSON.stringify({ reason: 'test' }) } : {}),
        });
        assert.equal(response.statusCode, 400, `${method} ${url.slice(0, 40)}: ${response.body}`);
        const body = response.json() as { success: boolean; error: { code: string; message: string } };
        assert.equal(body.success, false);
        assert.equal(body.error.code, 'VALIDATION_ERROR');
        assert.match(body.error.message, message);
        assert.ok(body.error.message.length < 400, 'the id is not echoed back whole');
      }
    });
  }

  test('a well-formed job id without self-healing activity is still 200 not_found', async () => {
    const jobId = '00000000-0000-4000-8000-000000000000';
    const response = await verity.app.inject({
      method: 'GET',
      url: `/api/self-healing/status/${jobId}`,
      headers: { 'x-api-key': TEST_ADMIN_KEY },
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal((response.json() as { status: string }).status, 'not_found');
  });
});

describe('paths with a malformed percent-escape', () => {
  let verity: TestVerity;
  before(async () => {
    verity = await startTestVerity({}, { workers: false, http: true });
  });
  after(() => verity.close());

  // The router cannot decode these, so no route (and no route's key check) is reached.
  const urls = ['/api/verify/salesforce/status/%E0%A4%A', '/api/self-healing/runs/%ZZ/approve'];
  for (const url of urls) {
    test(`${url}: 401 without a key, 403 with a wrong one, then 400 in the API's error shape`, async () => {
      const anonymous = await verity.app.inject({ method: 'GET', url });
      assert.equal(anonymous.statusCode, 401, anonymous.body);
      assert.equal((anonymous.json() as { error: { code: string } }).error.code, 'UNAUTHORIZED');
      const wrong = await verity.app.inject({ method: 'GET', url, headers: { 'x-api-key': 'wrong' } });
      assert.equal(wrong.statusCode, 403, wrong.body);
      for (const key of [TEST_API_KEY, TEST_ADMIN_KEY]) {
        const keyed = await verity.app.inject({ method: 'GET', url, headers: { 'x-api-key': key } });
        assert.equal(keyed.statusCode, 400, keyed.body);
        const body = keyed.json() as { success: boolean; error: { code: string } };
        assert.equal(body.success, false);
        assert.equal(body.error.code, 'VALIDATION_ERROR');
      }
    });
  }
});
