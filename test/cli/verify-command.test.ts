import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CommandIo } from '../../src/cli/cli-errors.ts';
import { verifyCommand } from '../../src/cli/verify-command.ts';
import { tempDir } from '../support/temp-dir.ts';

const PEER_JOB = 'examples/peer-jobs/recent-job-1-IE101WC.json';

function collector(): { io: CommandIo; stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (text: string) => (out += text) },
      stderr: { write: (text: string) => (err += text) },
    },
    stdout: () => out,
    stderr: () => err,
  };
}

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const capture = collector();
  const code = await verifyCommand(args, capture.io);
  return { code, stdout: capture.stdout(), stderr: capture.stderr() };
}

test('verifies a real peer job: UPC and brand come out as the org expects', async () => {
  const { code, stdout, stderr } = await run([PEER_JOB]);
  assert.equal(code, 0, stderr);
  assert.equal(stderr, '');
  const result = JSON.parse(stdout) as { Primary_Attributes: Record<string, unknown>; SF_Catalog_Id: string };
  assert.equal(result.Primary_Attributes.UPC_GTIN_Verified, '050375006633');
  assert.equal(result.Primary_Attributes.Brand_Verified, 'INSINKERATOR');
  assert.equal(result.SF_Catalog_Id, 'a03aZ00000AsOWPQA3');
  assert.ok(stdout.startsWith('{\n  "'), 'pretty JSON');
});

test('two runs on the same file print byte-identical output', async () => {
  const first = await run([PEER_JOB]);
  const second = await run([PEER_JOB]);
  assert.equal(first.code, 0);
  assert.equal(first.stdout, second.stdout);
});

test('--at sets the receive time; an invalid --at is a usage error', async () => {
  const { code, stdout } = await run([PEER_JOB, '--at', '2026-01-28T22:25:00Z']);
  assert.equal(code, 0);
  const result = JSON.parse(stdout) as { Verification: { verification_timestamp: string } };
  assert.equal(result.Verification.verification_timestamp, '2026-01-28T22:25:00.000Z');
  const bad = await run([PEER_JOB, '--at', 'yesterday']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--at/);
});

test('bad input exits 2 with one line naming the problem', async (t) => {
  const dir = tempDir();
  t.after(dir.remove);
  const notJson = join(dir.path, 'not-json.json');
  writeFileSync(notJson, 'this is not json');
  const array = join(dir.path, 'array.json');
  writeFileSync(array, '[{"SF_Catalog_Id":"a"}]');
  const noName = join(dir.path, 'no-name.json');
  writeFileSync(noName, JSON.stringify({ SF_Catalog_Id: 'a03VE0000000000AAA', Brand_Web_Retailer: 'X' }));
  const numericId = join(dir.path, 'numeric-id.json');
  writeFileSync(numericId, JSON.stringify({ SF_Catalog_Id: 12, SF_Catalog_Name: 'M1' }));
  const badLine = join(dir.path, 'records.jsonl');
  writeFileSync(badLine, '{"SF_Catalog_Id":"a03aZ00000AsOWPQA3","SF_Catalog_Name":"b"}\n{oops\n');
  const badId = join(dir.path, 'bad-id.json');
  writeFileSync(badId, JSON.stringify({ SF_Catalog_Id: 'bad id!', SF_Catalog_Name: 'M1' }));
  const deep = join(dir.path, 'deep.json');
  writeFileSync(
    deep,
    `{"SF_Catalog_Id":"a03aZ00000AsOWPQA3","SF_Catalog_Name":"M1","x":${'['.repeat(100)}${']'.repeat(100)}}`,
  );
  const badLineId = join(dir.path, 'ids.jsonl');
  writeFileSync(
    badLineId,
    '{"SF_Catalog_Id":"a03aZ00000AsOWPQA3","SF_Catalog_Name":"b"}\n{"SF_Catalog_Id":"a","SF_Catalog_Name":"b"}\n',
  );

  const cases: [string[], RegExp][] = [
    [[join(dir.path, 'missing.json')], /cannot read .*missing\.json: no such file/],
    [[notJson], /not-json\.json is not JSON/],
    [[array], /is not a record: expected a JSON object, found an array/],
    [[noName], /Missing required field: SF_Catalog_Name/],
    [
      [numericId],
      /numeric-id\.json: Invalid field: SF_Catalog_Id must be a 15- or 18-character Salesforce id\n$/,
    ],
    // The service's own messages, word for word (http/record-validation.ts).
    [[badId], /bad-id\.json: Invalid field: SF_Catalog_Id must be a 15- or 18-character Salesforce id\n$/],
    [[deep], /deep\.json: Invalid record: objects and arrays are nested more than 64 levels deep\n$/],
    [[badLineId], /ids\.jsonl line 2: Invalid field: SF_Catalog_Id must be/],
    [[badLine], /records\.jsonl line 2 is not JSON/],
    [[], /missing FILE/],
    [[PEER_JOB, '--rules', notJson], /rules file .* is not JSON/],
    [[PEER_JOB, '--rules', noName], /rules file .* is not a valid rule set/],
  ];
  for (const [args, expected] of cases) {
    const { code, stdout, stderr } = await run(args);
    assert.equal(code, 2, `exit code for ${args.join(' ')}`);
    assert.equal(stdout, '', `no output for ${args.join(' ')}`);
    assert.match(stderr, expected);
    assert.equal(stderr.trimEnd().split('\n').length, 1, `one line: ${stderr}`);
    assert.ok(stderr.startsWith('verity verify: '));
  }
});

test('a JSONL file of 3 records gives 3 result lines, in order', async (t) => {
  const dir = tempDir();
  t.after(dir.remove);
  const peer = JSON.parse(readFileSync(PEER_JOB, 'utf8')) as Record<string, unknown>;
  const names = ['IE101WC', 'IE101WC-B', 'IE101WC-C'];
  const file = join(dir.path, 'three.jsonl');
  writeFileSync(
    file,
    `${names.map((name) => JSON.stringify({ ...peer, SF_Catalog_Name: name })).join('\n')}\n`,
  );
  const { code, stdout, stderr } = await run([file, '--at', '2026-01-28T22:25:00Z']);
  assert.equal(code, 0, stderr);
  const lines = stdout.trimEnd().split('\n');
  assert.equal(lines.length, 3);
  const results = lines.map(
    (line) => JSON.parse(line) as { SF_Catalog_Name: string; Verification: Record<string, unknown> },
  );
  assert.deepEqual(
    results.map((result) => result.SF_Catalog_Name),
    names,
  );
  // Different raw text, different session id.
  assert.equal(new Set(results.map((result) => result.Verification.verification_session_id)).size, 3);
});

test('--rules uses the given rule set document', async (t) => {
  const dir = tempDir();
  t.after(dir.remove);
  const { buildDefaultRuleSet } = await import('../../src/domain/rule-set/default-rule-set.ts');
  const rules = buildDefaultRuleSet();
  const file = join(dir.path, 'rules.json');
  writeFileSync(file, JSON.stringify(rules));
  const withFile = await run([PEER_JOB, '--rules', file]);
  const withDefault = await run([PEER_JOB]);
  assert.equal(withFile.code, 0, withFile.stderr);
  assert.equal(withFile.stdout, withDefault.stdout);
});

test('a record the service refuses is refused here with the same message', async (t) => {
  const dir = tempDir();
  t.after(dir.remove);
  const { startTestVerity, TEST_API_KEY } = await import('../support/test-verity.ts');
  const verity = await startTestVerity({}, { workers: false });
  t.after(() => verity.close());
  const records = [
    { SF_Catalog_Id: 'bad id!', SF_Catalog_Name: 'M1' },
    { SF_Catalog_Id: 'a03aZ00000AsOWPQA3', SF_Catalog_Name: 'x'.repeat(300) },
    { SF_Catalog_Id: 'a03aZ00000AsOWPQA3', SF_Catalog_Name: 'M1', webhookUrl: 42 },
  ];
  for (const [index, record] of records.entries()) {
    const response = await verity.app.inject({
      method: 'POST',
      url: '/api/verify/salesforce',
      headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY },
      payload: record,
    });
    assert.equal(response.statusCode, 400);
    const serviceMessage = (response.json() as { error: string }).error;
    const file = join(dir.path, `record-${index}.json`);
    writeFileSync(file, JSON.stringify(record));
    const { code, stdout, stderr } = await run([file]);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.equal(stderr, `verity verify: ${file}: ${serviceMessage}\n`);
  }
});
