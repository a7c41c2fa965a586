import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestVerity, TEST_ADMIN_KEY, TEST_API_KEY, type TestVerity } from '../support/test-verity.ts';

/** The admin routes' own checks: key before body, unknown runs, states, and what may be activated. */
describe('self-healing admin routes', () => {
  let verity: TestVerity;
  before(async () => {
    verity = await startTestVerity({ BODY_LIMIT_BYTES: '2000' }, { workers: false });
  });
  after(() => verity.close());

  const runId = '00000000-0000-4000-8000-000000000000';
  const admin = { 'x-api-key': TEST_ADMIN_KEY, 'content-type': 'application/json' };

  for (const [name, headers, status] of [
    ['no key', {}, 401],
    ['the API key instead of the admin key', { 'x-api-key': TEST_API_KEY }, 403],
    ['a wrong key', { 'x-api-key': 'wrong' }, 403],
  ] as const) {
    for (const [body, payload] of [
      ['malformed JSON', '{"reason": '],
      ['a body over the limit', JSON.stringify({ reason: 'x'.repeat(5000) })],
    ] as const) {
      test(`${name} with ${body}: ${status}, before the body is read`, async () => {
        const response = await verity.app.inject({
          method: 'POST',
          url: `/api/self-healing/runs/${runId}/approve`,
          headers: { 'content-type': 'application/json', ...headers },
          payload,
        });
        assert.equal(response.statusCode, status, response.body);
      });
    }
  }

  // The admin routes that take a body take JSON: anything else is 415 (after the key), not a
  // 400 that blames the content ("jobId is required") for what is the wrong content type.
  const jsonRoutes = [
    ['/api/self-healing/trigger', '{"jobId":"00000000-0000-4000-8000-000000000000"}'],
    [`/api/self-healing/runs/${runId}/approve`, '{"reason":"ok"}'],
    [`/api/self-healing/runs/${runId}/reject`, '{"reason":"no"}'],
    [`/api/self-healing/runs/${runId}/false-positive`, '{"reason":"no"}'],
    ['/api/rule-sets/1/activate', '{"reason":"back"}'],
  ] as const;
  const otherTypes = [
    ['text/plain', null],
    ['text/plain; charset=utf-8', null],
    ['text/xml', '<jobId>x</jobId>'],
    ['application/xml', '<jobId>x</jobId>'],
    ['application/soap+xml', '<jobId>x</jobId>'],
    ['application/x-www-form-urlencoded', 'jobId=x'],
    ['application/octet-stream', null],
  ] as const;
  for (const [url, json] of jsonRoutes) {
    test(`POST ${url} with a body that is not JSON: 415 naming application/json`, async () => {
      for (const [type, payload] of otherTypes) {
        const response = await verity.app.inject({
          method: 'POST',
          url,
          headers: { 'x-api-key': TEST_ADMIN_KEY, 'content-type': type },
          payload: payload ?? json,
        });
        assert.equal(response.statusCode, 415, `${type}: ${response.body}`);
        const body = response.json() as { success: boolean; error: { code: string; message: string } };
        assert.equal(body.error.code, 'UNSUPPORTED_MEDIA_TYPE', type);
        assert.match(body.error.message, /application\/json/, type);
        assert.ok(body.error.message.includes(type.split(';')[0]!), `${type}: names what was sent`);
      }
      const untyped = await verity.app.inject({
        method: 'POST',
        url,
        headers: { 'x-api-key': TEST_ADMIN_KEY },
        payload: json,
      });
      assert.equal(untyped.statusCode, 415, `no content type: ${untyped.body}`);
      assert.match((untyped.json() as { error: { message: string } }).error.message, /application\/json/);
    });

    test(`POST ${url} with a body that is not JSON and no key: still 401 first`, async () => {
      const response = await verity.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'text/plain' },
        payload: json,
      });
      assert.equal(response.statusCode, 401, response.body);
    });

    test(`POST ${url} takes application/json with a charset, and no body at all`, async () => {
      const typed = await verity.app.inject({
        method: 'POST',
        url,
        headers: { 'x-api-key': TEST_ADMIN_KEY, 'content-type': 'Application/JSON; charset=utf-8' },
        payload: json,
      });
      assert.notEqual(typed.statusCode, 415, typed.body);
      assert.notEqual(typed.statusCode, 400, typed.body);
      const empty = await verity.app.inject({
        method: 'POST',
        url,
        headers: { 'x-api-key': TEST_ADMIN_KEY },
      });
      assert.notEqual(empty.statusCode, 415, empty.body);
    });
  }

  test('approving or rejecting a run that does not exist: 404', async () => {
    for (const action of ['approve', 'reject']) {
      const response = await verity.app.inject({
        method: 'POST',
        url: `/api/self-healing/runs/${runId}/${action}`,
        headers: admin,
        payload: JSON.stringify({ reason: 'no' }),
      });
      assert.equal(response.statusCode, 404, `${action}: ${response.body}`);
    }
  });

  test('history refuses an unknown state or outcome', async () => {
    for (const query of ['state=bogus', 'outcome=bogus']) {
      const response = await verity.app.inject({
        method: 'GET',
        url: `/api/self-healing/history?${query}`,
        headers: admin,
      });
      assert.equal(response.statusCode, 400, query);
    }
  });

  test('activating the active version, or a staged version never approved, is refused', async () => {
    const activate = (version: number) =>
      verity.app.inject({
        method: 'POST',
        url: `/api/rule-sets/${version}/activate`,
        headers: admin,
        payload: JSON.stringify({ reason: 'test' }),
      });
    assert.equal((await activate(1)).statusCode, 409, 'v1 is already active');
    const active = await verity.ruleSets.active();
    const document = (await verity.ruleSetRepository.get(active.version))!.document;
    const staged = await verity.ruleSetRepository.create({
      parentVersion: active.version,
      document,
      createdBy: 'self-healing',
      note: 'staged, never approved',
      at: new Date().toISOString(),
    });
    const response = await activate(staged.version);
    assert.equal(response.statusCode, 409, response.body);
    assert.match(response.body, /never approved/);
    assert.equal(await verity.ruleSetRepository.activeVersion(), 1);
  });
});
