import type { HealRunRow } from '../store/heal-run-repository.ts';
import { type ProviderTotals, totalsByProvider, type UsageEntry } from './call-log.ts';
import type { AttemptRecord } from './heal-run.ts';

/**
 * The seed's metrics, as numbers, each with its definition (the README repeats them):
 *
 * - totalIssuesDetected: issues (job × signature) the latest scan of every stored job found.
 * - runs: heal runs started; finishedRuns: runs in a final state.
 * - consensusRate: runs whose diagnosticians agreed (on a fix or on "no fix") ÷ runs diagnosed.
 * - averageAttempts: attempts per run, over runs that made at least one attempt.
 * - successRate: runs that ended in `success` ÷ runs that ended in success, failed or escalated.
 * - escalationRate: runs that ended escalated ÷ the same denominator.
 * - firstAttemptSuccessRate: runs whose first attempt was proven and approved ÷ runs with an attempt.
 * - averageFixTimeMs: mean time from detection to completion of successful runs.
 * - falsePositiveRate: runs a person marked a false positive ÷ runs finished.
 * - providers: per diagnostician that calls a provider, over every run: calls, failed calls,
 *   tokens in and out, latency (ms) and cost (US dollars, priced calls only).
 * Every rate is 0 when its denominator is 0.
 */
export interface HealMetrics {
  readonly totalIssuesDetected: number;
  readonly runs: number;
  readonly finishedRuns: number;
  readonly successCount: number;
  readonly escalatedCount: number;
  readonly awaitingApproval: number;
  readonly consensusRate: number;
  readonly averageAttempts: number;
  readonly successRate: number;
  readonly escalationRate: number;
  readonly firstAttemptSuccessRate: number;
  readonly averageFixTimeMs: number;
  readonly falsePositiveRate: number;
  readonly providers: Readonly<Record<string, ProviderTotals>>;
}

type MetricRow = Pick<
  HealRunRow,
  | 'state'
  | 'final_outcome'
  | 'consensus_achieved'
  | 'attempts_taken'
  | 'false_positive'
  | 'detected_at'
  | 'completed_at'
  | 'diagnosis_timestamp'
  | 'attempts'
> & { readonly usage?: string };

const ratio = (part: number, whole: number) =>
  whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000;
const mean = (values: readonly number[]) =>
  values.length === 0
    ? 0
    : Math.round((values.reduce((sum, value) => sum + value, 0) / values.length) * 100) / 100;

export function healMetrics(rows: readonly MetricRow[], totalIssuesDetected: number): HealMetrics {
  const finished = rows.filter((row) => row.completed_at !== null);
  const diagnosed = rows.filter((row) => row.diagnosis_timestamp !== null);
  const decided = finished.filter((row) =>
    ['success', 'failed', 'escalated'].includes(row.final_outcome ?? ''),
  );
  const successes = decided.filter((row) => row.final_outcome === 'success');
  const escalated = decided.filter((row) => row.final_outcome === 'escalated');
  const attempted = rows.filter((row) => row.attempts_taken > 0);
  const firstAttempt = attempted.filter(
    (row) => (JSON.parse(row.attempts) as AttemptRecord[])[0]?.success === true,
  );
  return {
    totalIssuesDetected,
    runs: rows.length,
    finishedRuns: finished.length,
    successCount: successes.length,
    escalatedCount: escalated.length,
    awaitingApproval: rows.filter((row) => row.state === 'awaiting_approval').length,
    consensusRate: ratio(diagnosed.filter((row) => row.consensus_achieved === 1).length, diagnosed.length),
    averageAttempts: mean(attempted.map((row) => row.attempts_taken)),
    successRate: ratio(successes.length, decided.length),
    escalationRate: ratio(escalated.length, decided.length),
    firstAttemptSuccessRate: ratio(firstAttempt.length, attempted.length),
    averageFixTimeMs: mean(
      successes.map((row) => Date.parse(row.completed_at ?? row.detected_at) - Date.parse(row.detected_at)),
    ),
    falsePositiveRate: ratio(finished.filter((row) => row.false_positive === 1).length, finished.length),
    providers: totalsByProvider(rows.flatMap((row) => JSON.parse(row.usage ?? '[]') as UsageEntry[])),
  };
}
