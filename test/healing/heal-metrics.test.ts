import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { healMetrics } from '../../src/healing/heal-metrics.ts';
import type { AttemptRecord } from '../../src/healing/heal-run.ts';

/**
 * The seed's metrics on hand-built heal-run rows: each rate's numerator and denominator as the
 * comment of src/healing/heal-metrics.ts defines them, and 0 for every zero denominator.
 */

type Row = Parameters<typeof healMetrics>[0][number];

const DETECTED = '2026-01-28T10:00:00.000Z';

function attempt(success: boolean, attemptNumber = 1): AttemptRecord {
  return {
    attemptNumber,
    ops: ['family manual also matches suffix "_Legacy"'],
    signatureGone: success,
    regressions: 0,
    changes: 3,
    jobsChecked: 10,
    problems: [],
    openaiApproval: success,
    xaiApproval: success,
    approvals: [],
    stagedVersion: 2,
    success,
    timestamp: DETECTED,
  };
}

/** A run detected at DETECTED; finished `afterMs` later when given. */
function row(overrides: Partial<Row> & { afterMs?: number; tries?: AttemptRecord[] } = {}): Row {
  const { afterMs, tries = [], ...rest } = overrides;
  return {
    state: 'detected',
    final_outcome: null,
    consensus_achieved: 0,
    attempts_taken: tries.length,
    false_positive: 0,
    detected_at: DETECTED,
    completed_at: afterMs === undefined ? null : new Date(Date.parse(DETECTED) + afterMs).toISOString(),
    diagnosis_timestamp: null,
    attempts: JSON.stringify(tries),
    ...rest,
  };
}

const DIAGNOSED = '2026-01-28T10:00:05.000Z';

describe('healMetrics', () => {
  it('is all zeros for no runs, whatever the issue count', () => {
    assert.deepEqual(healMetrics([], 17), {
      totalIssuesDetected: 17,
      runs: 0,
      finishedRuns: 0,
      successCount: 0,
      escalatedCount: 0,
      awaitingApproval: 0,
      consensusRate: 0,
      averageAttempts: 0,
      successRate: 0,
      escalationRate: 0,
      firstAttemptSuccessRate: 0,
      averageFixTimeMs: 0,
      falsePositiveRate: 0,
      providers: {},
    });
  });

  it('sums provider calls per provider from the runs’ usage', () => {
    const usage = (provider: string, tokensIn: number, costUsd: number | null, ok = true) => ({
      provider,
      step: 'diagnose',
      state: 'detected',
      model: 'm',
      tokensIn,
      tokensOut: 10,
      latencyMs: 5,
      costUsd,
      ok,
      at: '2026-01-01T00:00:00.000Z',
    });
    const row = (entries: unknown[]) => ({
      state: 'completed',
      final_outcome: 'success',
      consensus_achieved: 1,
      attempts_taken: 1,
      false_positive: 0,
      detected_at: '2026-01-01T00:00:00.000Z',
      completed_at: '2026-01-01T00:00:01.000Z',
      diagnosis_timestamp: '2026-01-01T00:00:00.500Z',
      attempts: '[]',
      usage: JSON.stringify(entries),
    });
    const metrics = healMetrics(
      [row([usage('openai', 100, 0.001), usage('xai', 50, null, false)]), row([usage('openai', 20, 0.0005)])],
      0,
    );
    assert.deepEqual(metrics.providers, {
      openai: { calls: 2, failedCalls: 0, tokensIn: 120, tokensOut: 20, latencyMs: 10, costUsd: 0.0015 },
      xai: { calls: 1, failedCalls: 1, tokensIn: 50, tokensOut: 10, latencyMs: 5, costUsd: 0 },
    });
  });

  it('gives 0 for every rate whose denominator is 0, on runs that exist', () => {
    // Two open runs: never diagnosed, no attempt, not finished.
    const metrics = healMetrics([row(), row({ state: 'diagnosing' })], 2);
    assert.equal(metrics.runs, 2);
    assert.equal(metrics.finishedRuns, 0);
    for (const rate of [
      'consensusRate',
      'averageAttempts',
      'successRate',
      'escalationRate',
      'firstAttemptSuccessRate',
      'averageFixTimeMs',
      'falsePositiveRate',
    ] as const) {
      assert.equal(metrics[rate], 0, rate);
      assert.ok(Number.isFinite(metrics[rate]), rate);
    }
  });

  it('consensusRate: runs that agreed (on a fix or on no fix) ÷ runs diagnosed', () => {
    const metrics = healMetrics(
      [
        // agreed on a fix
        row({ diagnosis_timestamp: DIAGNOSED, consensus_achieved: 1, state: 'attempting' }),
        // agreed that no fix is right
        row({
          diagnosis_timestamp: DIAGNOSED,
          consensus_achieved: 1,
          state: 'no_fix',
          final_outcome: 'no_fix',
          afterMs: 1000,
        }),
        // no consensus
        row({
          diagnosis_timestamp: DIAGNOSED,
          consensus_achieved: 0,
          state: 'escalated',
          final_outcome: 'escalated',
          afterMs: 1000,
        }),
        // not diagnosed: in neither count, even with a stray flag
        row({ consensus_achieved: 1 }),
        row(),
      ],
      0,
    );
    assert.equal(metrics.consensusRate, 0.6667);
  });

  it('successRate and escalationRate: over runs that ended in success, failed or escalated', () => {
    const rows = [
      row({ final_outcome: 'success', state: 'success', afterMs: 60_000 }),
      row({ final_outcome: 'success', state: 'success', afterMs: 120_000 }),
      row({ final_outcome: 'failed', state: 'failed', afterMs: 1000 }),
      row({ final_outcome: 'escalated', state: 'escalated', afterMs: 1000 }),
      // finished, but neither success nor failure: outside the denominator
      row({ final_outcome: 'no_fix', state: 'no_fix', afterMs: 1000 }),
      row({ final_outcome: 'superseded', state: 'superseded', afterMs: 1000 }),
      // not finished: outside everything but `runs`
      row({ state: 'awaiting_approval' }),
    ];
    const metrics = healMetrics(rows, 40);
    assert.equal(metrics.totalIssuesDetected, 40);
    assert.equal(metrics.runs, 7);
    assert.equal(metrics.finishedRuns, 6);
    assert.equal(metrics.successCount, 2);
    assert.equal(metrics.escalatedCount, 1);
    assert.equal(metrics.awaitingApproval, 1);
    assert.equal(metrics.successRate, 0.5);
    assert.equal(metrics.escalationRate, 0.25);
  });

  it('counts an outcome only once the run has finished (completed_at set)', () => {
    const metrics = healMetrics(
      [row({ final_outcome: 'success' }), row({ final_outcome: 'escalated', afterMs: 5 })],
      0,
    );
    assert.equal(metrics.finishedRuns, 1);
    assert.equal(metrics.successCount, 0);
    assert.equal(metrics.successRate, 0);
    assert.equal(metrics.escalationRate, 1);
    assert.equal(metrics.averageFixTimeMs, 0);
  });

  it('averageAttempts: attempts per run, over runs with at least one attempt', () => {
    const metrics = healMetrics(
      [
        row({ tries: [attempt(true)] }),
        row({ tries: [attempt(false), attempt(false, 2), attempt(true, 3)] }),
        row({ tries: [attempt(false), attempt(true, 2)] }),
        row(),
        row(),
      ],
      0,
    );
    assert.equal(metrics.averageAttempts, 2);
    const uneven = healMetrics(
      [
        row({ tries: [attempt(true)] }),
        row({ tries: [attempt(false), attempt(true, 2)] }),
        row({ tries: [attempt(false), attempt(false, 2)] }),
      ],
      0,
    );
    // (1 + 2 + 2) / 3, two decimals
    assert.equal(uneven.averageAttempts, 1.67);
  });

  it('firstAttemptSuccessRate: runs whose first attempt succeeded ÷ runs with an attempt', () => {
    const metrics = healMetrics(
      [
        row({ tries: [attempt(true)] }),
        row({ tries: [attempt(false), attempt(true, 2)] }),
        row({ tries: [attempt(false), attempt(false, 2)] }),
        // no attempt: outside the denominator
        row({ final_outcome: 'escalated', afterMs: 10 }),
      ],
      0,
    );
    assert.equal(metrics.firstAttemptSuccessRate, 0.3333);
  });

  it('averageFixTimeMs: detection to completion, over successful runs only', () => {
    const metrics = healMetrics(
      [
        row({ final_outcome: 'success', afterMs: 30_000 }),
        row({ final_outcome: 'success', afterMs: 90_000 }),
        row({ final_outcome: 'escalated', afterMs: 5_000_000 }),
        row({ final_outcome: 'failed', afterMs: 7_000_000 }),
      ],
      0,
    );
    assert.equal(metrics.averageFixTimeMs, 60_000);
  });

  it('falsePositiveRate: runs marked a false positive ÷ runs finished', () => {
    const metrics = healMetrics(
      [
        row({ final_outcome: 'success', afterMs: 1, false_positive: 1 }),
        row({ final_outcome: 'no_fix', afterMs: 1, false_positive: 1 }),
        row({ final_outcome: 'escalated', afterMs: 1 }),
        row({ final_outcome: 'failed', afterMs: 1 }),
        row({ final_outcome: 'success', afterMs: 1 }),
        // open runs marked a false positive count in neither
        row({ false_positive: 1 }),
      ],
      0,
    );
    assert.equal(metrics.finishedRuns, 5);
    assert.equal(metrics.falsePositiveRate, 0.4);
  });

  it('rounds rates to four decimals', () => {
    const rows = [
      row({ final_outcome: 'success', afterMs: 1 }),
      row({ final_outcome: 'failed', afterMs: 1 }),
      row({ final_outcome: 'failed', afterMs: 1 }),
    ];
    const metrics = healMetrics(rows, 0);
    assert.equal(metrics.successRate, 0.3333);
    assert.equal(metrics.escalationRate, 0);
    const sevenths = healMetrics(
      [
        ...Array.from({ length: 2 }, () => row({ final_outcome: 'escalated', afterMs: 1 })),
        ...Array.from({ length: 5 }, () => row({ final_outcome: 'failed', afterMs: 1 })),
      ],
      0,
    );
    assert.equal(sevenths.escalationRate, 0.2857);
  });
});
