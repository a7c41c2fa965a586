import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ConfigError, configSchema, loadConfig } from '../../src/config/config.ts';

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
