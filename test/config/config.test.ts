import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, configSchema, loadConfig } from '../../src/config/config.ts';
import { tempDir } from '../support/temp-dir.ts';

test('defaults: port 3001, SQLite under ./data, the seed values', () => {
  const config = loadConfig({});
  assert.equal(config.PORT, 3001);
  assert.equal(config.DATABASE_URL, 'sqlite:./data/verity.db');
  assert.equal(config.SELF_HEALING_ENABLED, true);
  assert.equal(config.SELF_HEALING_DELAY_AFTER_WEBHOOK, 60_000);
  assert.equal(config.SELF_HEALING_MAX_ATTEMPTS, 3);
  assert.equal(config.SELF_HEALING_AUTO_APPROVE_LOW_RISK, false);
  assert.equal(config.DUAL_AI_CONSENSUS_REQUIRED, true);
  assert.equal(config.DUAL_AI_MIN_CONFIDENCE, 70);
  assert.equal(config.SYSTEM_WIDE_FIX_ENABLED, true);
  assert.equal(config.REGRESSION_TEST_REQUIRED, true);
  assert.ok(Object.isFrozen(config));
});

test('every bad value is reported at once, each by name', () => {
  try {
    loadConfig({
      PORT: 'eighty',
      DUAL_AI_MIN_CONFIDENCE: '170',
      SELF_HEALING_ENABLED: 'maybe',
      SF_WEBHOOK_URL: 'ftp://x',
    });
    assert.fail('should throw');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    const names = error.problems.map((problem) => problem.split('=')[0]);
    assert.deepEqual(names.sort(), [
      'DUAL_AI_MIN_CONFIDENCE',
      'PORT',
      'SELF_HEALING_ENABLED',
      'SF_WEBHOOK_URL',
    ]);
    assert.match(error.message, /DUAL_AI_MIN_CONFIDENCE="170": must be at most 100/);
  }
});

test('.env.example names every variable of the schema, and nothing else', () => {
  const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
  const documented = [...example.matchAll(/^([A-Z_][A-Z0-9_]*)=/gm)].map((match) => match[1]).sort();
  assert.deepEqual(documented, Object.keys(configSchema.shape).sort());
});

test('DATABASE_URL: only SQLite; another scheme is refused by name, without echoing its password', () => {
  for (const accepted of [
    'sqlite:./data/verity.db',
    'sqlite::memory:',
    ':memory:',
    'file:x.db',
    './x.db',
    '/tmp/x.db',
  ]) {
    assert.equal(loadConfig({ DATABASE_URL: accepted }).DATABASE_URL, accepted);
  }
  for (const refused of [
    'postgres://u:s3cret@127.0.0.1:5999/x',
    'postgresql://u:s3cret@db/x',
    'mysql://u:s3cret@db/x',
  ]) {
    assert.throws(
      () => loadConfig({ DATABASE_URL: refused }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /DATABASE_URL=.*not supported.*use sqlite:<path>/);
        assert.doesNotMatch(error.message, /s3cret/);
        assert.match(error.message, /:\/\/\*\*\*@/);
        return true;
      },
    );
  }
});

test('`verity serve` with a PostgreSQL URL exits 2 with the message, writing nothing', () => {
  const folder = tempDir();
  try {
    const result = spawnSync(
      process.execPath,
      [fileURLToPath(new URL('../../bin/verity.mjs', import.meta.url)), 'serve'],
      {
        cwd: folder.path,
        env: {
          ...process.env,
          DATABASE_URL: 'postgres://u:s3cret@127.0.0.1:5999/x',
          PORT: '0',
          HOST: '127.0.0.1',
        },
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /DATABASE_URL=.*PostgreSQL is not supported/);
    assert.doesNotMatch(result.stderr, /s3cret|\n\s+at /);
    assert.deepEqual(readdirSync(folder.path), []);
  } finally {
    folder.remove();
  }
});
