import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLexicalDiagnostician } from '../../src/diagnosticians/builtin/lexical.ts';
import { createValueProfileDiagnostician } from '../../src/diagnosticians/builtin/value-profile.ts';
import type { ContextPack, Diagnosis } from '../../src/diagnosticians/diagnostician.ts';
import {
  builtinAnswer,
  type ChatRequest,
  type ChatStub,
  type Responder,
  type StubReply,
  startChatStub,
} from '../support/chat-completions-stub.ts';
import {
  adminGet,
  type HealLog,
  isCorrection,
  isLegacySignature,
  LEGACY_FILES,
  PEER_FILES,
  postFiles,
  settle,
} from '../support/heal-fixtures.ts';
import { type LoopbackReceiver, startReceiver } from '../support/loopback-receiver.ts';
import { startTestVerity, type TestVerity } from '../support/test-verity.ts';

/**
 * Whole heals with OpenAI and xAI as the diagnosticians, each a loopback chat-completions
 * stand-in scripted per test: agreement, disagreement, low confidence, improvement on attempt 2,
 * and every fault — which escalates as "diagnostician unavailable" and never changes the active
 * rule set.
 */

const lexical = createLexicalDiagnostician();
const valueProfile = createValueProfileDiagnostician();
const asLexical: Responder = async (request) => ({ answer: await builtinAnswer(lexical, request) });
const asValueProfile: Responder = async (request) => ({ answer: await builtinAnswer(valueProfile, request) });

interface Heal {
  readonly verity: TestVerity;
  readonly openai: ChatStub;
  readonly xai: ChatStub;
  readonly sink: LoopbackReceiver;
  readonly logs: HealLog[];
  readonly activeVersion: number;
  close(): Promise<void>;
}

async function heal(
  openaiResponder: Responder,
  xaiResponder: Responder,
  files: readonly string[] = [...PEER_FILES, ...LEGACY_FILES],
  environment: Record<string, string> = {},
): Promise<Heal> {
  const openai = await startChatStub(openaiResponder);
  const xai = await startChatStub(xaiResponder);
  const sink = await startReceiver();
  const verity = await startTestVerity({
    SF_WEBHOOK_URL: sink.url,
    SELF_HEALING_DELAY_AFTER_WEBHOOK: '50',
    SELF_HEALING_AUTO_APPROVE_LOW_RISK: 'true',
    OPENAI_API_KEY: 'sk-e2e-openai',
    OPENAI_BASE_URL: openai.baseUrl,
    XAI_API_KEY: 'xai-e2e-key',
    XAI_BASE_URL: xai.baseUrl,
    DIAGNOSTICIAN_MAX_RETRIES: '1',
    DIAGNOSTICIAN_TIMEOUT_MS: '400',
    ...environment,
  });
  const close = async () => {
    await verity.close();
    await openai.close();
    await xai.close();
    await sink.close();
  };
  try {
    await postFiles(verity.app, files);
    const logs = await settle(verity.app, verity.queue, 60_000);
    const { active } = await adminGet<{ active: number }>(verity.app, '/api/rule-sets');
    return { verity, openai, xai, sink, logs, activeVersion: active, close };
  } catch (error) {
    await close();
    throw error;
  }
}

const legacyRuns = (logs: readonly HealLog[]) => logs.filter((log) => isLegacySignature(log.signature));

/** Nothing was applied: version 1 active, no correction sent, no run activated anything. */
function assertNothingApplied(result: Heal): void {
  assert.equal(result.activeVersion, 1);
  assert.equal(result.sink.requests.filter(isCorrection).length, 0);
  for (const log of result.logs) assert.equal(log.activatedVersion, null, log.signature);
}

describe('heals with OpenAI and xAI over HTTP', () => {
  it('agreement: the _Legacy rename heals; diagnoses, approvals, usage, transcript and metrics are recorded', async () => {
    const result = await heal(asLexical, asValueProfile);
    try {
      const completed = legacyRuns(result.logs).filter((log) => log.state === 'completed');
      assert.equal(completed.length, 1, JSON.stringify(result.logs.map((log) => [log.signature, log.state])));
      const run = completed[0]!;
      assert.ok(result.activeVersion >= 2);
      assert.equal((run.openaiDiagnosis as { diagnostician: string }).diagnostician, 'openai');
      assert.equal((run.xaiDiagnosis as { diagnostician: string }).diagnostician, 'xai');
      const attempts = run.attempts as { openaiApproval: boolean; xaiApproval: boolean }[];
      assert.equal(attempts[0]?.openaiApproval, true);
      assert.equal(attempts[0]?.xaiApproval, true);

      // Both proposed the same fix, so neither was asked to review the other's: three calls each.
      const consensus = run.consensus as { crossReview?: string };
      assert.match(consensus.crossReview ?? '', /same fix independently/);
      const usage = run.usage as { provider: string; step: string; tokensIn: number; costUsd: number }[];
      assert.deepEqual([...new Set(usage.map((entry) => entry.step))].sort(), [
        'diagnose',
        'final_approval',
        'review_outcome',
      ]);
      for (const entry of usage) {
        assert.ok(['openai', 'xai'].includes(entry.provider));
        assert.ok(entry.tokensIn > 0 && entry.costUsd > 0);
      }
      const byProvider = run.usageByProvider as Record<string, { calls: number; costUsd: number }>;
      assert.equal(byProvider.openai?.calls, 3);
      assert.equal(byProvider.xai?.calls, 3);
      const transcript = run.transcript as { promptVersion: string; rawAnswer: string; error: null }[];
      assert.equal(transcript.length, usage.length);
      for (const entry of transcript) {
        assert.match(entry.promptVersion, /^system\.v1#/);
        JSON.parse(entry.rawAnswer);
        assert.equal(entry.error, null);
      }

      const metrics = await adminGet<{ providers: Record<string, { calls: number; costUsd: number }> }>(
        result.verity.app,
        '/api/self-healing/metrics',
      );
      assert.ok((metrics.providers.openai?.calls ?? 0) >= 3);
      assert.ok((metrics.providers.xai?.costUsd ?? 0) > 0);

      for (const request of result.openai.requests) {
        assert.equal(request.headers.authorization, 'Bearer sk-e2e-openai');
        assert.equal(request.body.model, 'gpt-4o');
      }
      for (const request of result.xai.requests) {
        assert.equal(request.headers.authorization, 'Bearer xai-e2e-key');
        assert.equal(request.body.model, 'grok-2-latest');
      }
      assert.ok(result.sink.requests.filter(isCorrection).length >= 3);
    } finally {
      await result.close();
    }
  });

  it('disagreement: each rejects the other’s fix → no consensus, nothing applied', async () => {
    const rejecting =
      (responder: Responder): Responder =>
      async (request, index) =>
        request.step === 'review'
          ? {
              answer: {
                agrees: false,
                confidence: 90,
                concerns: ['the key’s values do not fit'],
                suggestions: [],
              },
            }
          : responder(request, index);
    // xAI's fix also ignores a key, so the two proposals differ and each is reviewed by the other.
    const ignoringToo =
      (responder: Responder): Responder =>
      async (request, index) => {
        const reply = (await responder(request, index)) as { answer: Record<string, unknown> };
        if (request.step !== 'diagnose' || (reply.answer.fixOps as unknown[]).length === 0) return reply;
        const ignore = {
          op: 'add_ignored_key',
          key: 'Capacity_Legacy',
          families: ['record'],
          reason: 'a capacity column nobody reads',
        };
        return {
          answer: { ...reply.answer, systemWideOps: [...(reply.answer.systemWideOps as unknown[]), ignore] },
        };
      };
    const result = await heal(rejecting(asLexical), ignoringToo(rejecting(asValueProfile)));
    try {
      const runs = legacyRuns(result.logs);
      assert.ok(runs.length > 0);
      for (const run of runs) {
        assert.equal(run.state, 'escalated');
        assert.match(run.outcomeReason ?? '', /consensus|endorse|agree/i);
      }
      assertNothingApplied(result);
    } finally {
      await result.close();
    }
  });

  it('low confidence: both agree at 40% → below DUAL_AI_MIN_CONFIDENCE, nothing applied', async () => {
    const timid =
      (responder: Responder): Responder =>
      async (request, index) => {
        const reply = (await responder(request, index)) as { answer: Record<string, unknown> };
        return { answer: { ...reply.answer, confidence: 40 } };
      };
    const result = await heal(timid(asLexical), timid(asValueProfile));
    try {
      for (const run of legacyRuns(result.logs)) assert.equal(run.state, 'escalated', run.signature);
      assertNothingApplied(result);
    } finally {
      await result.close();
    }
  });

  it('improvement: attempt 1 is not approved, both improve, attempt 2 heals', async () => {
    let outcomeReviews = 0;
    // Improving, each re-diagnoses from the pack it was sent.
    const improving =
      (responder: Responder, diagnose: (pack: ContextPack) => Promise<Diagnosis>): Responder =>
      async (request, index): Promise<StubReply> => {
        if (request.step === 'improve')
          return { answer: await diagnose(request.data.contextPack as ContextPack) };
        if (request.step === 'review_outcome' && outcomeReviews++ === 0) {
          return {
            answer: { approved: false, confidence: 80, concerns: ['check the changed values once more'] },
          };
        }
        return responder(request, index);
      };
    const result = await heal(
      improving(asLexical, (pack) => lexical.diagnose(pack)),
      improving(asValueProfile, (pack) => valueProfile.diagnose(pack)),
    );
    try {
      const completed = legacyRuns(result.logs).filter((log) => log.state === 'completed');
      assert.equal(completed.length, 1);
      const attempts = completed[0]!.attempts as { success: boolean }[];
      assert.deepEqual(
        attempts.map((attempt) => attempt.success),
        [false, true],
      );
      // The consensus that led to attempt 2 is over the improved diagnoses, and the record shows them.
      const consensus = completed[0]!.consensus as {
        improvedAfterAttempt?: number;
        diagnoses?: { a: { fixOps: unknown[] }; b: { fixOps: unknown[] } };
        decision: { status: string };
      };
      assert.equal(consensus.improvedAfterAttempt, 1);
      assert.ok((consensus.diagnoses?.a.fixOps.length ?? 0) > 0);
      assert.ok((consensus.diagnoses?.b.fixOps.length ?? 0) > 0);
      assert.equal(consensus.decision.status, 'agreed');
      assert.ok(result.activeVersion >= 2);
    } finally {
      await result.close();
    }
  });
});

const DIAGNOSIS = {
  rootCause: 'renamed family',
  fixOps: [{ op: 'add_family_affix', family: 'manual', suffix: '_Legacy', prefix: null }],
  systemWideOps: [],
  confidence: 95,
  rationale: 'r',
};

describe('faults during a heal: escalated as diagnostician unavailable, nothing applied', () => {
  const faults: [string, (request: ChatRequest) => StubReply][] = [
    ['5xx', () => ({ status: 500 })],
    ['429 with retry-after', () => ({ status: 429, headers: { 'retry-after': '0' } })],
    ['connection reset', () => ({ reset: true })],
    ['timeout', () => ({ hang: true })],
    ['malformed JSON', () => ({ content: '{"rootCause": ' })],
    ['empty answer', () => ({ content: '' })],
    ['answer outside the schema', () => ({ answer: { ...DIAGNOSIS, confidence: 'very' } })],
    [
      'op outside the allowlist',
      () => ({ answer: { ...DIAGNOSIS, fixOps: [{ op: 'execute_sql', sql: 'drop table jobs' }] } }),
    ],
  ];
  for (const [label, fault] of faults) {
    it(`${label} from xAI`, async () => {
      const result = await heal(asLexical, async (request) => fault(request), LEGACY_FILES);
      try {
        const runs = legacyRuns(result.logs);
        assert.ok(runs.length > 0);
        for (const run of runs) {
          assert.equal(run.state, 'escalated', `${run.signature}: ${run.state}`);
          assert.match(run.outcomeReason ?? '', /^xai/);
          const transcript = run.transcript as { provider: string; error: string | null }[];
          assert.ok(transcript.some((entry) => entry.provider === 'xai' && entry.error !== null));
        }
        const { escalations } = await adminGet<{ escalations: { reason: string }[] }>(
          result.verity.app,
          '/api/self-healing/escalations',
        );
        assert.ok(escalations.length > 0);
        for (const escalation of escalations) assert.equal(escalation.reason, 'diagnostician_unavailable');
        assertNothingApplied(result);
      } finally {
        await result.close();
      }
    });
  }

  it('xAI fails at once while OpenAI is still answering: each run records exactly its own calls', async () => {
    // OpenAI answers every diagnosis after 300 ms; xAI fails each at once. A run must wait for
    // OpenAI's answer before it records its calls, or that call lands in the next run's record.
    const result = await heal(
      async (request, index) => ({ ...(await asLexical(request, index)), delayMs: 300 }),
      () => ({ status: 400 }),
      LEGACY_FILES,
      { DIAGNOSTICIAN_BREAKER_FAILURES: '100' },
    );
    try {
      const runs = result.logs.filter((run) => run.state === 'escalated');
      assert.ok(runs.length > 0);
      for (const run of runs) {
        const transcript = run.transcript as { provider: string; step: string }[];
        const diagnoses = (provider: string) =>
          transcript.filter((entry) => entry.provider === provider && entry.step === 'diagnose').length;
        assert.equal(diagnoses('openai'), 1, `${run.signature}: ${JSON.stringify(transcript)}`);
        assert.equal(diagnoses('xai'), 1, `${run.signature}: ${JSON.stringify(transcript)}`);
      }
      assertNothingApplied(result);
    } finally {
      await result.close();
    }
  });

  it('an agreed code change goes to a person at once: no attempt, nothing staged or applied', async () => {
    const codeChange: Responder = (request) => {
      if (request.step === 'diagnose' || request.step === 'improve') {
        return {
          answer: {
            ...DIAGNOSIS,
            fixOps: [{ op: 'code_change', description: 'patch the flattener to read _Legacy keys' }],
          },
        };
      }
      return { answer: { agrees: true, confidence: 95, concerns: [], suggestions: [] } };
    };
    const result = await heal(codeChange, codeChange, LEGACY_FILES);
    try {
      const runs = result.logs.filter((run) => run.state === 'escalated');
      assert.ok(runs.length > 0);
      for (const run of runs) {
        assert.equal(run.attemptsTaken, 0, run.signature);
        assert.equal(run.stagedVersion, null, run.signature);
        assert.match(run.outcomeReason ?? '', /code change/);
      }
      const { escalations } = await adminGet<{ escalations: { reason: string }[] }>(
        result.verity.app,
        '/api/self-healing/escalations',
      );
      assert.ok(escalations.some((escalation) => escalation.reason === 'high_risk_fix'));
      assertNothingApplied(result);
    } finally {
      await result.close();
    }
  });

  it('xAI fails only at the final approval: the staged fix is never activated', async () => {
    const result = await heal(asLexical, (request, index) =>
      request.step === 'final_approval' ? { status: 503 } : asValueProfile(request, index),
    );
    try {
      const runs = legacyRuns(result.logs).filter((run) => run.state === 'escalated');
      assert.ok(runs.length > 0);
      assert.ok(runs.some((run) => run.stagedVersion !== null));
      assertNothingApplied(result);
    } finally {
      await result.close();
    }
  });
});
