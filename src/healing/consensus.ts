import type { Diagnosis, Review } from '../diagnosticians/diagnostician.ts';
import { type FixOp, type Risk, riskOf } from '../domain/rule-set/fix-ops.ts';
import { normaliseKey } from '../domain/verification/normalise.ts';
import { canonicalJson } from '../store/json.ts';

/**
 * Phase 2's consensus rule, exactly as DESIGN.md §4 states it, as a pure function:
 * - a fix has consensus when both diagnosticians endorse it — its author with its own
 *   confidence, the other by an agreeing review — each at or above the minimum confidence;
 * - with two candidates that both reach consensus: the higher mean, then the lower risk, then
 *   the fewer ops (then the first diagnostician, so the choice is deterministic);
 * - system-wide ops need both endorsements (they are part of what the reviewer agreed to), and
 *   an alias variant that no stored job has ever carried is kept only when both proposed it
 *   independently.
 * With `required` false (DUAL_AI_CONSENSUS_REQUIRED=false) the author's confidence alone
 * endorses a fix. When both proposed the same fix on their own (`sameProposal`), the heal run
 * passes each diagnosis as the other's review (`endorsementBy`) instead of asking for one.
 */

export type Seat = 'a' | 'b';

export interface ConsensusInput {
  readonly a: Diagnosis;
  readonly b: Diagnosis;
  /** b's review of a's diagnosis. */
  readonly reviewOfA: Review;
  /** a's review of b's diagnosis. */
  readonly reviewOfB: Review;
  readonly minConfidence: number;
  readonly required: boolean;
  readonly systemWideEnabled: boolean;
  /** Normalised keys that stored jobs have carried. */
  readonly observedKeys: ReadonlySet<string>;
}

export type ConsensusResult =
  | {
      readonly status: 'agreed';
      readonly seat: Seat;
      readonly fixOps: readonly FixOp[];
      readonly systemWideOps: readonly FixOp[];
      readonly dropped: readonly { op: FixOp; reason: string }[];
      readonly confidence: number;
      readonly confidences: { readonly a: number; readonly b: number };
      readonly risk: Risk;
    }
  | { readonly status: 'no_fix_agreed'; readonly confidence: number; readonly reason: string }
  | {
      readonly status: 'no_consensus';
      readonly reason: string;
      readonly confidences: { readonly a: number; readonly b: number };
    };

const opKey = (op: FixOp): string =>
  op.op === 'add_alias' ? `add_alias|${op.field}|${normaliseKey(op.key)}` : JSON.stringify(op);

interface Candidate {
  readonly seat: Seat;
  readonly diagnosis: Diagnosis;
  readonly review: Review;
  readonly mean: number;
  readonly risk: Risk;
  readonly opCount: number;
  readonly systemWide: { kept: FixOp[]; dropped: { op: FixOp; reason: string }[] };
}

/**
 * The system-wide ops of a diagnosis that survive: none when SYSTEM_WIDE_FIX_ENABLED is false,
 * and an alias variant no stored job carries only when the other diagnostician proposed it too.
 */
function keptSystemWide(
  input: ConsensusInput,
  diagnosis: Diagnosis,
  other: Diagnosis,
): { kept: FixOp[]; dropped: { op: FixOp; reason: string }[] } {
  const othersOps = new Set([...other.fixOps, ...other.systemWideOps].map(opKey));
  const kept: FixOp[] = [];
  const dropped: { op: FixOp; reason: string }[] = [];
  for (const op of diagnosis.systemWideOps) {
    if (!input.systemWideEnabled) {
      dropped.push({ op, reason: 'SYSTEM_WIDE_FIX_ENABLED is false' });
    } else if (
      op.op === 'add_alias' &&
      !input.observedKeys.has(normaliseKey(op.key)) &&
      !othersOps.has(opKey(op))
    ) {
      dropped.push({ op, reason: 'an alias no stored job carries, proposed by one diagnostician only' });
    } else {
      kept.push(op);
    }
  }
  return { kept, dropped };
}

const RISK_RANK: Record<Risk, number> = { low: 0, medium: 1, high: 2 };

/** An op as a comparable text: alias keys normalised, families in order, object keys sorted. */
function proposalKey(op: FixOp): string {
  if (op.op !== 'add_alias') return canonicalJson(op);
  return canonicalJson({ ...op, key: normaliseKey(op.key), families: [...(op.families ?? [])].sort() });
}

/**
 * Did both diagnosticians, independently, propose exactly the same fix (the same ops, or both
 * no fix)? Then each diagnosis already endorses the other's at its own confidence, and asking
 * each to review the other would only repeat it: the heal run skips the cross-review (two
 * provider calls) and takes each diagnosis as its review of the other.
 */
export function sameProposal(a: Diagnosis, b: Diagnosis): boolean {
  const ops = (diagnosis: Diagnosis) =>
    [...new Set([...diagnosis.fixOps, ...diagnosis.systemWideOps].map(proposalKey))].sort().join('\n');
  const primary = (diagnosis: Diagnosis) => [...new Set(diagnosis.fixOps.map(proposalKey))].sort().join('\n');
  return primary(a) === primary(b) && ops(a) === ops(b);
}

/** A diagnosis read as its author's review of the same fix proposed by the other. */
export function endorsementBy(author: Diagnosis): Review {
  return { agrees: true, confidence: author.confidence, concerns: [], suggestions: [] };
}

export function decideConsensus(input: ConsensusInput): ConsensusResult {
  const { minConfidence } = input;
  const confidences = { a: input.a.confidence, b: input.b.confidence };
  const candidates: Candidate[] = [];
  const reasons: string[] = [];
  for (const [seat, diagnosis, review] of [
    ['a', input.a, input.reviewOfA],
    ['b', input.b, input.reviewOfB],
  ] as const) {
    if (diagnosis.fixOps.length === 0) {
      reasons.push(`${seat} proposed no fix`);
      continue;
    }
    if (diagnosis.confidence < minConfidence) {
      reasons.push(`${seat}'s own confidence ${diagnosis.confidence} is below ${minConfidence}`);
      continue;
    }
    if (input.required && !review.agrees) {
      reasons.push(`the other diagnostician disagreed with ${seat}'s fix`);
      continue;
    }
    if (input.required && review.confidence < minConfidence) {
      reasons.push(`the review of ${seat}'s fix agreed at only ${review.confidence}`);
      continue;
    }
    // Ranked by the fix that would be applied: system-wide ops that would be dropped do not count.
    const systemWide = keptSystemWide(input, diagnosis, seat === 'a' ? input.b : input.a);
    const ops = [...diagnosis.fixOps, ...systemWide.kept];
    candidates.push({
      seat,
      diagnosis,
      review,
      mean: input.required ? (diagnosis.confidence + review.confidence) / 2 : diagnosis.confidence,
      risk: riskOf(ops),
      opCount: ops.length,
      systemWide,
    });
  }

  if (candidates.length === 0) {
    const noFixBoth = input.a.fixOps.length === 0 && input.b.fixOps.length === 0;
    if (noFixBoth && input.a.confidence >= minConfidence && input.b.confidence >= minConfidence) {
      return {
        status: 'no_fix_agreed',
        confidence: (input.a.confidence + input.b.confidence) / 2,
        reason: 'both diagnosticians found that no rule-set change is right',
      };
    }
    const reason = noFixBoth
      ? `both proposed no fix, but not both at ${minConfidence}% or more (${input.a.confidence}%, ${input.b.confidence}%): unsure`
      : reasons.join('; ');
    return { status: 'no_consensus', reason, confidences };
  }

  const [winner] = [...candidates].sort(
    (x, y) =>
      y.mean - x.mean ||
      RISK_RANK[x.risk] - RISK_RANK[y.risk] ||
      x.opCount - y.opCount ||
      (x.seat === 'a' ? -1 : 1),
  );
  const selected = winner!;
  const { kept: systemWideOps, dropped } = selected.systemWide;
  return {
    status: 'agreed',
    seat: selected.seat,
    fixOps: selected.diagnosis.fixOps,
    systemWideOps,
    dropped,
    confidence: Math.round(selected.mean),
    confidences,
    risk: riskOf([...selected.diagnosis.fixOps, ...systemWideOps]),
  };
}
