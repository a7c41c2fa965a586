import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CommandIo } from '../../src/cli/cli-errors.ts';
import { formatReplaySummary, replay, replayCommand } from '../../src/cli/replay-command.ts';
import { tempDir } from '../support/temp-dir.ts';

const API_KEY = 'replay-test-key';

interface FakeVerity {
  readonly url: string;
  readonly requests: { method: string; url: string; apiKey: string | undefined }[];
  close(): Promise<void>;
}

/**
 * A stand-in for verity's intake and status routes (PEER-CONTRACT §2). The verdict of each record
 * comes from its `Test_Status` and `Test_Unmapped` fields, so the test states what it expects.
 * A job reports `processing` on its first poll, so replay has to poll more than once.
 */
async function startFakeVerity(): Promise<FakeVerity> {
  const requests: FakeVerity['requests'] = [];
  const jobs = new Map<string, { record: Record<string, unknown>; polls: number }>();
  const jobByBody = new Map<string, string>();
  const reply = (response: ServerResponse, status: number, body: unknown): void => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const apiKey = request.headers['x-api-key'] as string | undefined;
    requests.push({ method: request.method ?? '', url: request.url ?? '', apiKey });
    if (apiKey !== API_KEY) return reply(response, apiKey === undefined ? 401 : 403, { success: false });
    if (request.method === 'POST' && request.url === '/api/verify/salesforce') {
      const record = JSON.parse(text) as Record<string, unknown>;
      const jobId = randomUUID();
      if (typeof record.SF_Catalog_Id !== 'string') {
        return reply(response, 400, {
          success: false,
          error: 'Missing required field: SF_Catalog_Id',
          jobId,
        });
      }
      const existing = jobByBody.get(text);
      if (existing !== undefined)
        return reply(response, 202, { success: true, jobId: existing, duplicate: true });
      jobs.set(jobId, { record, polls: 0 });
      jobByBody.set(text, jobId);
      return reply(response, 202, {
        success: true,
        jobId,
        status: 'queued',
        SF_Catalog_Id: record.SF_Catalog_Id,
      });
    }
    const statusMatch = /^\/api\/verify\/salesforce\/status\/([^/]+)$/.exec(request.url ?? '');
    if (request.method === 'GET' && statusMatch) {
      const job = jobs.get(decodeURIComponent(statusMatch[1] ?? ''));
      if (job === undefined) return reply(response, 404, { success: false, error: 'Job not found' });
      job.polls += 1;
      if (job.polls === 1) return reply(response, 200, { status: 'processing' });
      const result = {
        SF_Catalog_Id: job.record.SF_Catalog_Id,
        Status: job.record.Test_Status,
        Verity_Findings: { unmappedKeys: job.record.Test_Unmapped ?? [] },
      };
      return reply(response, 200, { status: 'completed', result });
    }
    reply(response, 404, { success: false, error: 'no route' });
  };
  const server = createServer((request, response) => {
    void handle(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function unmapped(family: string, key: string, normalisedKey: string) {
  return { family, key, normalisedKey, path: `${family}.${key}`, sample: '40°' };
}

test('replays a folder, waits for the jobs and summarises outcomes and unmapped keys', async (t) => {
  const verity = await startFakeVerity();
  t.after(() => verity.close());
  // A second server named inside a record: replay must never contact it.
  const bystander = await startFakeVerity();
  t.after(() => bystander.close());
  const dir = tempDir();
  t.after(dir.remove);
  mkdirSync(join(dir.path, 'lighting'));
  const write = (name: string, value: unknown) =>
    writeFileSync(join(dir.path, name), JSON.stringify(value, null, 2));
  write('a-fixture.json', {
    SF_Catalog_Id: 'a03VE0000000000001',
    SF_Catalog_Name: 'FIX-1',
    webhookUrl: `${bystander.url}/hook`,
    Reference_URL: `${bystander.url}/product`,
    Test_Status: 'success',
    Test_Unmapped: [
      unmapped('web_retailer_specs', 'Beam Angle', 'beam_angle'),
      unmapped('specification_table', 'Beam Angle', 'beam_angle'),
      unmapped('web_retailer_specs', 'Lumens', 'lumens'),
    ],
  });
  write('lighting/b-fixture.json', {
    SF_Catalog_Id: 'a03VE0000000000002',
    SF_Catalog_Name: 'FIX-2',
    Test_Status: 'partial',
    Test_Unmapped: [
      unmapped('web_retailer_specs', 'BEAM ANGLE', 'beam_angle'),
      unmapped('web_retailer_specs', 'Beam Angle', 'beam_angle'),
    ],
  });
  write('c-no-id.json', { SF_Catalog_Name: 'FIX-3', Test_Status: 'success' });
  write('index.json', [{ file: 'a-fixture.json' }]);
  writeFileSync(join(dir.path, 'README.md'), 'not a record');

  const progressLines: string[] = [];
  const summary = await replay({
    path: dir.path,
    url: verity.url,
    apiKey: API_KEY,
    wait: true,
    timeoutMs: 10_000,
    pollIntervalMs: 20,
    progress: { write: (text: string) => progressLines.push(text) },
  });

  assert.equal(summary.records, 3);
  assert.equal(summary.sent, 3);
  assert.equal(summary.accepted, 2);
  assert.equal(summary.duplicates, 0);
  assert.equal(summary.rejected, 1);
  assert.deepEqual(summary.rejectedMessages, [
    `${join(dir.path, 'c-no-id.json')}: 400 Missing required field: SF_Catalog_Id`,
  ]);
  assert.equal(summary.unreachable, 0);
  assert.deepEqual(summary.jobs, { total: 2, completed: 2, failed: 0, unfinished: 0 });
  assert.deepEqual(summary.outcomes, { verified: 1, partial: 1, failed: 0, data_conflict: 0, other: 0 });
  // Counted once per record; the spelling shown is the one seen most often.
  assert.deepEqual(summary.topUnmappedKeys[0], {
    family: 'web_retailer_specs',
    normalisedKey: 'beam_angle',
    key: 'Beam Angle',
    count: 2,
  });
  assert.deepEqual(
    summary.topUnmappedKeys.map((item) => `${item.family}:${item.normalisedKey}=${item.count}`),
    ['web_retailer_specs:beam_angle=2', 'specification_table:beam_angle=1', 'web_retailer_specs:lumens=1'],
  );

  assert.equal(bystander.requests.length, 0, 'URLs inside records are never fetched');
  assert.ok(verity.requests.every((request) => request.apiKey === API_KEY));
  assert.equal(verity.requests.filter((request) => request.method === 'POST').length, 3);
  assert.ok(progressLines.some((line) => line.startsWith('replay: sending 3/3')));
  assert.ok(progressLines.some((line) => line.startsWith('replay: waiting 2/2')));

  const table = formatReplaySummary(summary);
  assert.match(table, /accepted\s+2/);
  assert.match(table, /verified\s+1/);
  assert.match(table, /2\s+web_retailer_specs\s+Beam Angle\s+beam_angle/);
});

test('the command: a JSONL file with a repeated line counts a duplicate; --json prints the summary', async (t) => {
  const verity = await startFakeVerity();
  t.after(() => verity.close());
  const dir = tempDir();
  t.after(dir.remove);
  const line = JSON.stringify({
    SF_Catalog_Id: 'a03VE0000000000009',
    SF_Catalog_Name: 'X',
    Test_Status: 'failed',
  });
  const file = join(dir.path, 'records.jsonl');
  writeFileSync(file, `${line}\n${line}\n[1,2]\n`);
  let stdout = '';
  let stderr = '';
  const io: CommandIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  };
  const code = await replayCommand(
    [
      file,
      '--url',
      verity.url,
      '--api-key',
      API_KEY,
      '--wait',
      '--poll-ms',
      '20',
      '--concurrency',
      '1',
      '--json',
    ],
    io,
  );
  assert.equal(code, 0, stderr);
  const summary = JSON.parse(stdout) as Awaited<ReturnType<typeof replay>>;
  assert.equal(summary.accepted, 1);
  assert.equal(summary.duplicates, 1);
  assert.equal(summary.jobs.completed, 1);
  assert.equal(summary.outcomes.failed, 1);
  assert.deepEqual(summary.skipped, [
    { source: `${file} line 3`, reason: 'not a JSON object (found an array)' },
  ]);
});

test('the command exits 1 when the server cannot be reached, 2 on usage mistakes', async (t) => {
  const verity = await startFakeVerity();
  const deadUrl = verity.url;
  await verity.close();
  const dir = tempDir();
  t.after(dir.remove);
  const file = join(dir.path, 'one.json');
  writeFileSync(file, JSON.stringify({ SF_Catalog_Id: 'a03VE0000000000009', SF_Catalog_Name: 'X' }));
  let stdout = '';
  let stderr = '';
  const io: CommandIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  };
  assert.equal(await replayCommand([file, '--url', deadUrl, '--api-key', API_KEY], io), 1);
  assert.match(stdout, /could not reach .*ECONNREFUSED/);

  stderr = '';
  assert.equal(await replayCommand([file, '--url', 'ftp://example', '--api-key', API_KEY], io), 2);
  assert.match(stderr, /--url must use http or https/);
  stderr = '';
  assert.equal(
    await replayCommand([join(dir.path, 'missing'), '--url', deadUrl, '--api-key', API_KEY], io),
    2,
  );
  assert.match(stderr, /cannot read .*missing: no such file/);
});
