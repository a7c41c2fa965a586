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

  const trigger = (payload?: string) =>
    verity.app.inject({
      method: 'POST',
      url: '/api/self-healing/trigger',
      headers: payload === undefined ? { 'x-api-key': TEST_ADMIN_KEY } : admin,
      ...(payload === undefined ? {} : { payload }),
    });
  const triggerError = async (payload?: string) => {
    const response = await trigger(payload);
    assert.equal(response.statusCode, 400, `${payload?.slice(0, 60)}: ${response.body}`);
    const body = response.json() as { success: boolean; error: { code: string; message: string } };
    assert.equal(body.success, false);
    assert.equal(body.error.code, 'VALIDATION_ERROR');
    return body.error.message;
  };

  test('trigger without a jobId: 400 "jobId is required"', async () => {
    for (const payload of [undefined, '{}', '{"jobId":""}', '{"jobId":"   "}', '{"job":"x"}']) {
      assert.equal(await triggerError(payload), 'jobId is required', String(payload));
    }
  });

  test('trigger with a malformed jobId: 400 saying what it got and what a job id looks like', async () => {
    const cases = [
      ['{"jobId":123}', /the number 123/],
      ['{"jobId":true}', /a boolean/],
      ['{"jobId":null}', /null/],
      ['{"jobId":["a"]}', /an array/],
      ['{"jobId":{"id":"a"}}', /an object/],
      ['{"jobId":"abc"}', /"abc"/],
      ['{"jobId":"00000000-0000-4000-8000-00000000000"}', /"00000000-0000-4000-8000-00000000000"/],
      [JSON.stringify({ jobId: 'a'.repeat(150) }), /a string of 150 characters/],
      [JSON.stringify({ jobId: 'x'.repeat(1500) }), /a string of 1500 characters/],
    ] as const;
    for (const [payload, got] of cases) {
      const message = await triggerError(payload);
      assert.match(message, /^jobId is not a job id/, payload.slice(0, 60));
      assert.match(message, got, payload.slice(0, 60));
      assert.match(message, /UUID/, payload.slice(0, 60));
      assert.match(message, /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/, 'shows one');
      assert.ok(message.length < 300, 'the value is not echoed back whole');
    }
  });

  test('trigger with a body that is not an object: 400 saying what the body should be', async () => {
    for (const payload of ['[]', '"00000000-0000-4000-8000-000000000000"', '42', 'null']) {
      assert.match(await triggerError(payload), /JSON object \{"jobId"/, payload);
    }
  });

  test('trigger with a well-formed jobId of no job: 404 in the peer shape, the id trimmed', async () => {
    const jobId = '00000000-0000-4000-8000-000000000000';
    const response = await trigger(JSON.stringify({ jobId: ` ${jobId} ` }));
    assert.equal(response.statusCode, 404, response.body);
    assert.deepEqual(response.json(), {
      success: false,
      jobId,
      phase: 'loading_data',
      reason: 'Job not found in database',
    });
  });

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

  test('a rule set version is digits: 1e3, 0x2, 1.0 and -1 are 400, not versions 1000, 2 and 1', async () => {
    for (const written of ['1e3', '0x2', '1.0', '-1', '0']) {
      const activate = await verity.app.inject({
        method: 'POST',
        url: `/api/rule-sets/${written}/activate`,
        headers: admin,
        payload: '{"reason":"x"}',
      });
      assert.equal(activate.statusCode, 400, `${written}: ${activate.body}`);
      const diff = await verity.app.inject({
        method: 'GET',
        url: `/api/rule-sets/diff?from=${written}&to=1`,
        headers: admin,
      });
      assert.equal(diff.statusCode, 400, `${written}: ${diff.body}`);
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
