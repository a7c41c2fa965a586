import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  adminGet,
  isLegacySignature,
  LEGACY_FILES,
  PEER_FILES,
  postFiles,
  settle,
} from '../support/heal-fixtures.ts';
import { startReceiver } from '../support/loopback-receiver.ts';
import { startTestVerity } from '../support/test-verity.ts';

/**
 * The stored samples a context pack draws on (the values each field carried, the keys each
 * source family supplied) are cached for a minute; while the store is young they are taken
 * again as soon as the completed jobs have grown by half. Otherwise a heal diagnosed early, on
 * a store holding a few unrelated records, fixes the samples every later diagnosis of that
 * minute sees: the `_Legacy` rename arriving after the peer's `_Manual` jobs could not be
 * recognised as the renamed manual family (the demo's run-to-run variance).
 */
const FIRST = join('examples', 'icecat', readdirSync(join('examples', 'icecat')).sort()[0]!);

test('a renamed family is recognised from jobs stored after the first heal took its samples', async () => {
  const sink = await startReceiver();
  const verity = await startTestVerity({
    SF_WEBHOOK_URL: sink.url,
    SELF_HEALING_DELAY_AFTER_WEBHOOK: '100',
    SELF_HEALING_AUTO_APPROVE_LOW_RISK: 'true',
  });
  try {
    // A young store: one unrelated record, whose heal runs take the first samples.
    await postFiles(verity.app, [FIRST]);
    const early = await settle(verity.app, verity.queue);
    assert.ok(early.length > 0, 'the first record started heal runs');

    await postFiles(verity.app, [...PEER_FILES, ...LEGACY_FILES]);
    const logs = await settle(verity.app, verity.queue);
    const completed = logs.filter((log) => isLegacySignature(log.signature) && log.state === 'completed');
    assert.equal(completed.length, 1, JSON.stringify(logs.map((log) => [log.signature, log.state])));
    const { versions } = await adminGet<{ versions: { version: number; fixOps: unknown }[] }>(
      verity.app,
      '/api/rule-sets',
    );
    const version = versions.find((entry) => entry.version === completed[0]!.activatedVersion);
    assert.deepEqual(version?.fixOps, [{ op: 'add_family_affix', family: 'manual', suffix: '_Legacy' }]);
  } finally {
    await verity.close();
    await sink.close();
  }
});
