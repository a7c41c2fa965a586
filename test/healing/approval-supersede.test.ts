import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  adminPost,
  isLegacySignature,
  LEGACY_FILES,
  PEER_FILES,
  postFiles,
  settle,
} from '../support/heal-fixtures.ts';
import { startReceiver } from '../support/loopback-receiver.ts';
import { startTestVerity } from '../support/test-verity.ts';

/**
 * Without auto-approval every `_Legacy` run waits for a person. Approving one activates the family
 * fix, which also fixes the issues the other twelve wait on: they stop waiting (superseded), so
 * nobody is asked to approve a fix that is already in force.
 */
test('approving one run ends the waiting runs its activation already fixes', async () => {
  const sink = await startReceiver();
  const verity = await startTestVerity({
    SF_WEBHOOK_URL: sink.url,
    SELF_HEALING_DELAY_AFTER_WEBHOOK: '50',
    SELF_HEALING_AUTO_APPROVE_LOW_RISK: 'false',
  });
  try {
    await postFiles(verity.app, [...PEER_FILES, ...LEGACY_FILES]);
    const waiting = (await settle(verity.app, verity.queue, 60_000)).filter(
      (log) => isLegacySignature(log.signature) && log.state === 'awaiting_approval',
    );
    assert.ok(waiting.length >= 2, `several _Legacy runs wait (${waiting.length})`);
    const approved = await adminPost(verity.app, `/api/self-healing/runs/${waiting[0]!.id}/approve`, {
      by: 'test',
    });
    assert.equal(approved.statusCode, 200);
    const after = (await settle(verity.app, verity.queue, 60_000)).filter((log) =>
      isLegacySignature(log.signature),
    );
    assert.equal(after.find((log) => log.id === waiting[0]!.id)?.state, 'completed');
    for (const log of after.filter((candidate) => candidate.id !== waiting[0]!.id)) {
      assert.equal(log.state, 'superseded', `${log.signature} is ${log.state}`);
    }
  } finally {
    await verity.close();
    await sink.close();
  }
});
