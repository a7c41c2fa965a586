import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CommandIo } from '../../src/cli/cli-errors.ts';
import { failFirst, sfSinkCommand, startSfSink } from '../../src/cli/sf-sink-command.ts';
import { tempDir } from '../support/temp-dir.ts';

const WEBHOOK_PATH = '/services/apexrest/catalog_verification';

const envelope = {
  success: true,
  data: { SF_Catalog_Id: 'a03aZ00000AsOWPQA3', SF_Catalog_Name: 'IE101WC', Status: 'success' },
  sessionId: '7d0c5c55-8a59-4f57-9a6c-1f1f2e0f2a10',
  processingTimeMs: 1200,
};

function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

test('stores each request as a JSON line with credentials redacted and the body parsed', async (t) => {
  const dir = tempDir();
  t.after(dir.remove);
  const out = join(dir.path, 'nested', 'folder', 'sink.jsonl');
  const sink = await startSfSink({ port: 0, out });
  t.after(() => sink.close());
  assert.match(sink.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.notEqual(sink.url, 'http://127.0.0.1:0');

  const response = await post(`${sink.url}${WEBHOOK_PATH}`, JSON.stringify(envelope), {
    'X-API-Key': 'super-secret-key',
    Authorization: 'Bearer another-secret',
    'X-Request-Id': 'req-1',
  });
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { success: true, received: true });
  const second = await post(`${sink.url}/any/other/path?x=1`, 'not json at all');
  assert.equal(second.status, 200);

  const text = readFileSync(out, 'utf8');
  assert.ok(!text.includes('super-secret-key'), 'the key never reaches the disk');
  assert.ok(!text.includes('another-secret'));
  const lines = text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(lines.length, 2);
  const [first, raw] = lines as [Record<string, unknown>, Record<string, unknown>];
  assert.equal(first.method, 'POST');
  assert.equal(first.url, WEBHOOK_PATH);
  assert.ok(!Number.isNaN(Date.parse(String(first.receivedAt))));
  const headers = first.headers as Record<string, string>;
  assert.equal(headers['x-api-key'], '[redacted]');
  assert.equal(headers.authorization, '[redacted]');
  assert.equal(headers['x-request-id'], 'req-1');
  assert.equal(headers['content-type'], 'application/json');
  assert.deepEqual(first.body, envelope);
  assert.equal(raw.url, '/any/other/path?x=1');
  assert.equal(raw.body, 'not json at all');
  assert.equal(sink.received().length, 2);
});

test('failFirst answers 503 to the first N requests, then 200', async (t) => {
  const sink = await startSfSink({ port: 0, out: null, respond: failFirst(1) });
  t.after(() => sink.close());
  const first = await post(`${sink.url}${WEBHOOK_PATH}`, '{}');
  assert.equal(first.status, 503);
  const second = await post(`${sink.url}${WEBHOOK_PATH}`, '{}');
  assert.equal(second.status, 200);
  assert.equal(sink.received().length, 2);
});

test('the command: --fail-first 1, one line per request on stdout, stops when asked', async (t) => {
  const dir = tempDir();
  t.after(dir.remove);
  const out = join(dir.path, 'sink.jsonl');
  let stdout = '';
  let stderr = '';
  const io: CommandIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  };
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const running = sfSinkCommand(['--port', '0', '--out', out, '--fail-first', '1'], io, stopped);
  // The command reports its URL on stderr once it listens.
  const started = Date.now();
  while (!/listening on (http:\S+?),/.test(stderr) && Date.now() - started < 5000) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const url = /listening on (http:\S+?),/.exec(stderr)?.[1];
  assert.ok(url, stderr);
  assert.equal(
    (await post(`${url}${WEBHOOK_PATH}`, JSON.stringify(envelope), { 'x-api-key': 'k' })).status,
    503,
  );
  assert.equal(
    (await post(`${url}${WEBHOOK_PATH}`, JSON.stringify(envelope), { 'x-api-key': 'k' })).status,
    200,
  );
  stop();
  assert.equal(await running, 0);
  const lines = stdout.trimEnd().split('\n');
  assert.equal(lines.length, 2);
  assert.equal(
    lines[1],
    `POST ${WEBHOOK_PATH} sessionId=${envelope.sessionId} SF_Catalog_Id=a03aZ00000AsOWPQA3 Status=success → 200`,
  );
  assert.match(lines[0] ?? '', /→ 503$/);
  assert.equal(readFileSync(out, 'utf8').trimEnd().split('\n').length, 2);
});

test('the command rejects a bad port with exit 2', async () => {
  let stderr = '';
  const io: CommandIo = {
    stdout: { write: () => true },
    stderr: { write: (text: string) => (stderr += text) },
  };
  assert.equal(await sfSinkCommand(['--port', 'abc'], io, Promise.resolve()), 2);
  assert.match(stderr, /--port must be a whole number/);
});
