import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { keysMatch } from '../../src/http/auth.ts';
import { startTestVerity, TEST_ADMIN_KEY, TEST_API_KEY, type TestVerity } from '../support/test-verity.ts';

/**
 * Where a key may be sent: `x-api-key: <key>` or `Authorization: Bearer <key>` (the scheme in any
 * case, as HTTP allows), on the API routes and the admin routes alike; the README says so.
 */
describe('the forms a key is accepted in', () => {
  let verity: TestVerity;
  before(async () => {
    verity = await startTestVerity({}, { workers: false });
  });
  after(() => verity.close());

  const realms = [
    { name: 'API', url: '/api/verify/salesforce/queue/stats', key: TEST_API_KEY, other: TEST_ADMIN_KEY },
    { name: 'admin', url: '/api/self-healing/metrics', key: TEST_ADMIN_KEY, other: TEST_API_KEY },
  ] as const;

  for (const realm of realms) {
    const get = (headers: Record<string, string>) =>
      verity.app.inject({ method: 'GET', url: realm.url, headers });

    test(`${realm.name} key: accepted in x-api-key and as a bearer token, the scheme in any case`, async () => {
      const forms: Record<string, string>[] = [
        { 'x-api-key': realm.key },
        { authorization: `Bearer ${realm.key}` },
        { authorization: `bearer ${realm.key}` },
        { authorization: `BEARER ${realm.key}` },
        { authorization: `Bearer   ${realm.key}` },
        { 'x-api-key': '', authorization: `Bearer ${realm.key}` },
      ];
      for (const headers of forms) {
        const response = await get(headers);
        assert.equal(response.statusCode, 200, `${JSON.stringify(headers)}: ${response.body}`);
      }
    });

    test(`${realm.name} key: another scheme or an empty token is no key (401), a wrong one 403`, async () => {
      for (const authorization of [
        `Basic ${realm.key}`,
        realm.key,
        'Bearer',
        'Bearer ',
        `Token ${realm.key}`,
      ]) {
        const response = await get({ authorization });
        assert.equal(response.statusCode, 401, `${authorization}: ${response.body}`);
      }
      const wrong: Record<string, string>[] = [
        { authorization: `Bearer ${realm.other}` },
        { authorization: `Bearer ${realm.key}x` },
        { 'x-api-key': realm.other },
        // x-api-key, when given, is the key: a right bearer token does not rescue a wrong one.
        { 'x-api-key': 'wrong', authorization: `Bearer ${realm.key}` },
      ];
      for (const headers of wrong) {
        const response = await get(headers);
        assert.equal(response.statusCode, 403, `${JSON.stringify(headers)}: ${response.body}`);
      }
    });

    test(`${realm.name} key: the 401 names both places a key may go`, async () => {
      const response = await get({});
      assert.equal(response.statusCode, 401);
      const message = (response.json() as { error: { message: string } }).error.message;
      assert.match(message, /x-api-key/);
      assert.match(message, /Authorization: Bearer/);
    });
  }

  test('keys of any length are compared without throwing (both sides are hashed first)', () => {
    assert.equal(keysMatch(TEST_API_KEY, TEST_API_KEY), true);
    assert.equal(keysMatch('', TEST_API_KEY), false);
    assert.equal(keysMatch(`${TEST_API_KEY}x`, TEST_API_KEY), false);
    assert.equal(keysMatch('x'.repeat(10_000), TEST_API_KEY), false);
  });

  test("the README's API section names both forms and the constant-time comparison", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const api = readme.slice(readme.indexOf('## HTTP API'), readme.indexOf('## Self-healing'));
    assert.match(api, /`x-api-key: <key>`/);
    assert.match(api, /`Authorization: Bearer <key>`/);
    assert.match(api, /constant time/);
    assert.match(
      readme,
      /### Self-healing API \(all behind `ADMIN_API_KEY`, in `x-api-key` or `Authorization: Bearer`\)/,
    );
  });
});
