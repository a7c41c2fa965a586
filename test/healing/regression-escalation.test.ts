import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ChatRequest, type StubReply, startChatStub } from '../support/chat-completions-stub.ts';
import {
  adminGet,
  isCorrection,
  LEGACY_FILES,
  PEER_FILES,
  postFiles,
  settle,
} from '../support/heal-fixtures.ts';
import { startReceiver } from '../support/loopback-receiver.ts';
import { startTestVerity } from '../support/test-verity.ts';

/**
 * The regression gate stands even when both diagnosticians are wrong together: two stand-in
 * providers propose, review, approve and finally approve `model_number ← "Diameter"` for every
 * issue. For the spec table's unread `Diameter` it clears the issue, but a diameter read as the
 * model number changes which sources count as the same product, and stored jobs lose verified
 * values of fields the fix does not target (helper findings: `amperage` of the IE101WC disposal).
 * So no attempt succeeds, the run escalates after SELF_HEALING_MAX_ATTEMPTS, nothing is activated
 * and Salesforce receives no correction.
 */

function colludingProvider(request: ChatRequest): StubReply {
  const diagnosis = {
    rootCause: 'Diameter is the model number',
    fixOps: [{ op: 'add_alias', field: 'model_number', key: 'Diameter', families: ['spec_table'] }],
    systemWideOps: [],
    confidence: 95,
    rationale: 'it looks like one',
  };
  switch (request.step) {
    case 'diagnose':
    case 'improve':
      return { answer: diagnosis };
    case 'review':
      return { answer: { agrees: true, confidence: 95, concerns: [], suggestions: [] } };
    case 'review_outcome':
      return { answer: { approved: true, confidence: 95, concerns: [] } };
    default:
      return { answer: { approved: true, confidence: 95, reasoning: 'looks fine' } };
  }
}

test('a fix that would regress stored jobs is never activated: every attempt fails the gate and the run escalates', async () => {
  const openai = await startChatStub(colludingProvider);
  const xai = await startChatStub(colludingProvider);
  const sink = await startReceiver();
  const verity = await startTestVerity({
    SF_WEBHOOK_URL: sink.url,
    SELF_HEALING_DELAY_AFTER_WEBHOOK: '50',
    SELF_HEALING_AUTO_APPROVE_LOW_RISK: 'true',
    OPENAI_API_KEY: 'sk-regression-openai',
    OPENAI_BASE_URL: openai.baseUrl,
    XAI_API_KEY: 'xai-regression-key',
    XAI_BASE_URL: xai.baseUrl,
    DIAGNOSTICIAN_MAX_RETRIES: '0',
  });
  try {
    await postFiles(verity.app, [...PEER_FILES, ...LEGACY_FILES]);
    const logs = await settle(verity.app, verity.queue, 90_000);
    assert.ok(logs.length > 0, 'heal runs were started');

    const diameter = logs.find((log) => log.signature === 'unmapped_key:spec_table:diameter');
    assert.ok(diameter, 'the unread Diameter key started a run');
    assert.equal(diameter.state, 'escalated');
    assert.match(String(diameter.outcomeReason), /3 attempts/);
    const attempts = diameter.attempts as { success: boolean; regressions: number; signatureGone: boolean }[];
    assert.equal(attempts.length, 3, 'SELF_HEALING_MAX_ATTEMPTS attempts');
    for (const attempt of attempts) {
      assert.equal(attempt.success, false);
      assert.equal(attempt.signatureGone, true, 'the fix does clear the issue...');
      assert.ok(attempt.regressions > 0, '...but regresses stored jobs');
    }
    assert.ok(logs.every((log) => log.state !== 'completed'));

    const { active } = await adminGet<{ active: number }>(verity.app, '/api/rule-sets');
    assert.equal(active, 1, 'the active rule set is unchanged');
    assert.equal(sink.requests.filter(isCorrection).length, 0, 'no correction was sent');
    const { escalations } = await adminGet<{ escalations: { reason: string }[] }>(
      verity.app,
      '/api/self-healing/escalations?limit=500',
    );
    assert.ok(escalations.some((escalation) => escalation.reason === 'attempts_exhausted'));
  } finally {
    await verity.close();
    await openai.close();
    await xai.close();
    await sink.close();
  }
});
