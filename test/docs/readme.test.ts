import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { CommandIo } from '../../src/cli/cli-errors.ts';
import { verifyCommand } from '../../src/cli/verify-command.ts';
import { loadConfig } from '../../src/config/config.ts';
import { checkRecord } from '../../src/http/record-validation.ts';

/** The README's claims that code can check: its examples work and its usage lines are current. */
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const shellBlocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');

test('every example record the README sends is one the service accepts', () => {
  const files = shellBlocks.flatMap((block) =>
    [...block.matchAll(/@(examples\/\S+\.json)/g)].map((m) => m[1]!),
  );
  assert.ok(files.length > 0, 'the README sends an example record');
  for (const file of files) {
    const record = JSON.parse(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8')) as unknown;
    const check = checkRecord(record);
    assert.ok(check.ok, `${file}: ${check.ok ? '' : check.message}`);
  }
});

test("the README's verify line is the command's own usage", async () => {
  let out = '';
  const io: CommandIo = { stdout: { write: (text: string) => (out += text) }, stderr: { write: () => true } };
  assert.equal(await verifyCommand(['--help'], io), 0);
  const usage = /^Usage: verity (verify .*)$/m.exec(out)?.[1];
  assert.ok(usage);
  assert.ok(readme.includes(`\`${usage}\``), `README names \`${usage}\``);
});

test('the README says where `npm start` listens', () => {
  assert.equal(loadConfig({}).HOST, '0.0.0.0');
  assert.match(readme, /`npm start` listens on \*\*all interfaces\*\* \(`HOST=0\.0\.0\.0`/);
});

test('the README shows both error shapes of the verify routes', () => {
  assert.ok(readme.includes('{"success":false,"error":"<message>","jobId":null}'));
  assert.ok(readme.includes('{"success":false,"error":"Job not found"}'));
});
