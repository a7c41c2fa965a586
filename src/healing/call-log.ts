import type { CallRecord } from '../diagnosticians/diagnostician.ts';

/**
 * A heal run's provider calls, split in two columns of `self_healing_logs`: `usage` holds the
 * numbers (tokens, latency, cost) that metrics sum, `transcript` what was asked and answered
 * (prompt version, raw answer, error) for audit and replay.
 */

export interface UsageEntry {
  readonly provider: string;
  readonly step: string;
  /** The run's state when the call was made (`detected`, `attempting`, `final_validation`). */
  readonly state: string;
  readonly model: string;
  readonly tokensIn: number;
  readonly tokensOut: number;
  readonly latencyMs: number;
  readonly costUsd: number | null;
  readonly ok: boolean;
  readonly at: string;
}

export interface TranscriptEntry {
  readonly provider: string;
  readonly step: string;
  readonly state: string;
  readonly model: string;
  readonly promptVersion: string;
  readonly rawAnswer: string | null;
  readonly error: string | null;
  readonly at: string;
}

/** The run's `usage` and `transcript` columns with these calls appended. */
export function appendCalls(
  columns: { readonly usage: string; readonly transcript: string },
  calls: readonly CallRecord[],
  state: string,
): { usage: string; transcript: string } {
  const usage = JSON.parse(columns.usage) as UsageEntry[];
  const transcript = JSON.parse(columns.transcript) as TranscriptEntry[];
  for (const call of calls) {
    usage.push({
      provider: call.provider,
      step: call.step,
      state,
      model: call.model,
      tokensIn: call.tokensIn,
      tokensOut: call.tokensOut,
      latencyMs: call.latencyMs,
      costUsd: call.costUsd,
      ok: call.error === null,
      at: call.at,
    });
    transcript.push({
      provider: call.provider,
      step: call.step,
      state,
      model: call.model,
      promptVersion: call.promptVersion,
      rawAnswer: call.rawAnswer,
      error: call.error,
      at: call.at,
    });
  }
  return { usage: JSON.stringify(usage), transcript: JSON.stringify(transcript) };
}

export interface ProviderTotals {
  readonly calls: number;
  readonly failedCalls: number;
  readonly tokensIn: number;
  readonly tokensOut: number;
  readonly latencyMs: number;
  /** US dollars over the priced calls. */
  readonly costUsd: number;
}

/** Totals per provider over usage entries. */
export function totalsByProvider(entries: readonly UsageEntry[]): Record<string, ProviderTotals> {
  const totals: Record<string, ProviderTotals> = {};
  for (const entry of entries) {
    const sum = totals[entry.provider] ?? {
      calls: 0,
      failedCalls: 0,
      tokensIn: 0,
      tokensOut: 0,
      latencyMs: 0,
      costUsd: 0,
    };
    totals[entry.provider] = {
      calls: sum.calls + 1,
      failedCalls: sum.failedCalls + (entry.ok ? 0 : 1),
      tokensIn: sum.tokensIn + entry.tokensIn,
      tokensOut: sum.tokensOut + entry.tokensOut,
      latencyMs: sum.latencyMs + entry.latencyMs,
      costUsd: Math.round((sum.costUsd + (entry.costUsd ?? 0)) * 1e6) / 1e6,
    };
  }
  return totals;
}
