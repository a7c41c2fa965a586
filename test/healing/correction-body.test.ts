import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  adminGet,
  isCorrection,
  LEGACY_FILES,
  PEER_FILES,
  postFiles,
  settle,
  startRespondingReceiver,
} from '../support/heal-fixtures.ts';
import { startTestVerity } from '../support/test-verity.ts';

/**
 * A correction is built once: a retry sends the very same bytes under the same Idempotency-Key
 * (the versions it names are the job's before the fix, not after), and it carries every stored
 * value that changed — not only the verified attributes, also the HTML table and the score.
 */
test('a retried correction is the same correction, with the true before version and every changed value', async () => {
  const refusedOnce = new Set<string>();
  const sink = await startRespondingReceiver((request) => {
    if (!isCorrection(request)) return 200;
    const key = String(request.headers['idempotency-key']);
    if (refusedOnce.has(key)) return 200;
    refusedOnce.add(key);
    return 503;
  });
  const verity = await startTestVerity({
    SF_WEBHOOK_URL: sink.url,
    SELF_HEALING_DELAY_AFTER_WEBHOOK: '50',
    SELF_HEALING_AUTO_APPROVE_LOW_RISK: 'true',
    WEBHOOK_RETRY_BASE_MS: '20',
  });
  try {
    await postFiles(verity.app, [...PEER_FILES, ...LEGACY_FILES]);
    await settle(verity.app, verity.queue, 60_000);
    const { active } = await adminGet<{ active: number }>(verity.app, '/api/rule-sets');
    assert.ok(active >= 2, 'the rename was healed');

    const byKey = new Map<string, string[]>();
    for (const request of sink.requests.filter(isCorrection)) {
      const key = String(request.headers['idempotency-key']);
      byKey.set(key, [...(byKey.get(key) ?? []), request.body]);
    }
    assert.ok(byKey.size >= 3, 'the legacy jobs were corrected');
    for (const [key, bodies] of byKey) {
      assert.equal(bodies.length, 2, `${key}: refused once, then accepted`);
      assert.equal(bodies[1], bodies[0], `${key}: the retry resends the same bytes`);
      const body = JSON.parse(bodies[0]!) as {
        ruleSetVersion: { before: number; after: number };
        corrections: Record<string, { old: unknown; new: unknown; confidence: number }>;
      };
      // Jobs were verified with v1; the key names the version this correction brings.
      assert.equal(body.ruleSetVersion.before, 1, key);
      assert.ok(key.endsWith(`:correction:${body.ruleSetVersion.after}`), key);
      assert.ok(body.ruleSetVersion.after > 1 && body.ruleSetVersion.after <= active);
      const paths = Object.keys(body.corrections);
      assert.ok(paths.length > 0);
      assert.ok(!paths.some((path) => path.startsWith('Verity_')), 'verity’s own sections stay out');
      assert.ok(!paths.includes('Verification.verification_session_id'));
    }
    // The _Legacy family brings values outside the verified attributes too.
    const allPaths = [...byKey.values()].flatMap((bodies) =>
      Object.keys((JSON.parse(bodies[0]!) as { corrections: object }).corrections),
    );
    assert.ok(allPaths.includes('Verification.verification_score'), allPaths.join(', '));
    assert.ok(allPaths.includes('Additional_Attributes_HTML'), allPaths.join(', '));
  } finally {
    await verity.close();
    await sink.close();
  }
});
