import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import { signedPost } from '../../src/delivery/signed-post.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { hasUrlCredentials, redactUrlCredentials } from '../../src/observability/redact-url.ts';
import { type LoopbackReceiver, startReceiver } from '../support/loopback-receiver.ts';
import { tempDir } from '../support/temp-dir.ts';
import { startTestVerity, TEST_API_KEY, type TestVerity } from '../support/test-verity.ts';

const PASSWORD = 'hunter2-s3cret';
const headers = { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY };
const record = (webhookUrl: string) =>
  JSON.stringify({ SF_Catalog_Id: 'a03aZ00000AsOWPQA3', SF_Catalog_Name: 'IE101WC', webhookUrl });

test('redactUrlCredentials masks any userinfo, keeps everything else', () => {
  // RFC 3986 userinfo characters: unreserved, pct-encoded, sub-delims and ":" (an "@" as well,
  // which WHATWG parsers accept and split at the last one).
  const userinfo = fc.stringMatching(/^[A-Za-z0-9._~%!$&'()*+,;=:@-]{1,30}$/);
  fc.assert(
    fc.property(userinfo, fc.constantFrom('http', 'https', 'postgres'), (info, scheme) => {
      const url = `${scheme}://${info}@example.com:8080/path?q=1#f`;
      const redacted = redactUrlCredentials(`error: ${url} failed`);
      assert.equal(redacted, `error: ${scheme}://***@example.com:8080/path?q=1#f failed`);
      assert.ok(hasUrlCredentials(url));
    }),
  );
  const line = JSON.stringify({ a: 'http://host/x@y', b: 'mail me at x@y', c: 'https://u:p@h/z' });
  assert.equal(JSON.parse(redactUrlCredentials(line)).c, 'https://***@h/z');
  assert.equal(redactUrlCredentials('http://host/x@y and x@y'), 'http://host/x@y and x@y');
  assert.equal(hasUrlCredentials('http:u:p@host/x'), true);
  assert.equal(hasUrlCredentials('https://host/x'), false);
});

test('the log file never holds a URL password: fields, messages, errors', async () => {
  const folder = tempDir();
  try {
    const logger = createLogger({ level: 'info', logDir: folder.path, stdout: false });
    const url = `http://user:${PASSWORD}@127.0.0.1:9/hook`;
    logger.warn({ url, nested: { webhook: url } }, `delivery to ${url} failed`);
    logger.error({
      err: new TypeError(`Request cannot be constructed from a URL that includes credentials: ${url}`),
    });
    await new Promise<void>((resolve, reject) =>
      logger.flush((error) => (error ? reject(error) : resolve())),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const text = readFileSync(join(folder.path, 'combined.log'), 'utf8');
    const lines = text.trim().split('\n');
    assert.equal(lines.length, 2);
    for (const line of lines) JSON.parse(line);
    assert.doesNotMatch(text, new RegExp(PASSWORD));
    assert.match(text, /http:\/\/\*\*\*@127\.0\.0\.1:9\/hook/);
  } finally {
    folder.remove();
  }
});

test('a delivery error that names the URL carries no password', async () => {
  const outcome = await signedPost({
    url: `http://user:${PASSWORD}@127.0.0.1:9/hook`,
    body: '{}',
    headers: {},
    timeoutMs: 1000,
  });
  assert.equal(outcome.ok, false);
  assert.doesNotMatch(outcome.error ?? '', new RegExp(PASSWORD));
});

test('SF_WEBHOOK_URL with credentials is refused at start, without echoing them', () => {
  assert.throws(
    () => loadConfig({ SF_WEBHOOK_URL: `https://user:${PASSWORD}@sf.example.com/hook` }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /SF_WEBHOOK_URL=.*must not contain credentials/.test(error.message) &&
      !error.message.includes(PASSWORD),
  );
});

describe('a record webhookUrl with credentials', () => {
  let receiver: LoopbackReceiver;
  let verity: TestVerity;
  let logDir: { path: string; remove: () => void };
  before(async () => {
    receiver = await startReceiver([200]);
    logDir = tempDir();
    verity = await startTestVerity(
      { WEBHOOK_URL_ALLOWED_HOSTS: '127.0.0.1' },
      { logger: createLogger({ level: 'info', logDir: logDir.path, stdout: false }) },
    );
  });
  after(async () => {
    await verity.close();
    await receiver.close();
    logDir.remove();
  });

  for (const host of ['an allowlisted host', 'another host']) {
    test(`on ${host} is refused with 400 and nothing is stored`, async () => {
      const target = new URL(receiver.url);
      if (host === 'another host') target.hostname = 'hooks.example.com';
      target.username = 'user';
      target.password = PASSWORD;
      const response = await verity.app.inject({
        method: 'POST',
        url: '/api/verify/salesforce',
        headers,
        payload: record(target.toString()),
      });
      assert.equal(response.statusCode, 400, response.body);
      assert.deepEqual(response.json(), {
        success: false,
        error: 'Invalid field: webhookUrl must not contain credentials (user:password@host)',
        jobId: null,
      });
      assert.doesNotMatch(response.body, new RegExp(PASSWORD));
      assert.deepEqual(await verity.jobs.statusCounts(), {
        pending: 0,
        processing: 0,
        completed: 0,
        failed: 0,
      });
    });
  }

  test('the same URL without credentials is used, and the log holds no password', async () => {
    const response = await verity.app.inject({
      method: 'POST',
      url: '/api/verify/salesforce',
      headers,
      payload: record(receiver.url),
    });
    assert.equal(response.statusCode, 202, response.body);
    await receiver.waitFor(1);
    await verity.queue.idle();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.doesNotMatch(readFileSync(join(logDir.path, 'combined.log'), 'utf8'), new RegExp(PASSWORD));
  });
});
