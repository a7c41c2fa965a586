import type { Candidate } from './candidates.ts';
import { compactValue } from './normalise.ts';
import { convert } from './values/units.ts';

/**
 * Reconciliation of one field across its sources: candidates that agree form a cluster (equal
 * after normalising, or numbers within the field's tolerance); the cluster with the most
 * independent families wins, then the one with the highest family priority. A losing cluster
 * is a conflict, recorded with the values that lost.
 */

export type Agreement = 'agreed' | 'single_source' | 'conflict' | 'none';
export type FieldValue = number | string | boolean | readonly string[];

export interface SourceRef {
  readonly family: string;
  readonly key: string;
  readonly path: string;
  readonly value: unknown;
}

export interface FieldResult {
  readonly field: string;
  readonly value: FieldValue | null;
  readonly agreement: Agreement;
  readonly sources: readonly SourceRef[];
  readonly disagreeing: readonly { readonly source: SourceRef; readonly value: FieldValue }[];
  readonly notes: readonly string[];
}

interface Member {
  readonly candidate: Candidate;
  readonly value: FieldValue;
  readonly note: string | null;
  /** Position in the priority order: the first member of a cluster supplies its value. */
  readonly order: number;
}

export interface ReconcileOptions {
  /** Relative tolerance of numeric agreement. */
  readonly tolerance?: number;
  /** Cluster key of a text value (default: its compact form). */
  readonly keyOf?: (value: string) => string;
  /** Free text (titles, descriptions): differing wording is not a conflict. */
  readonly freeText?: boolean;
}

export const sourceRef = (candidate: Candidate): SourceRef => ({
  family: candidate.entry.family,
  key: candidate.entry.key,
  path: candidate.entry.path,
  value: candidate.entry.value,
});

export const emptyResult = (field: string): FieldResult => ({
  field,
  value: null,
  agreement: 'none',
  sources: [],
  disagreeing: [],
  notes: [],
});

const withinTolerance = (a: number, b: number, tolerance: number) =>
  Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b)) + 1e-9;

/** A unit-less mass or length that only agrees with the others in the metric unit was metric. */
const METRIC_READING = { lb: 'kg', in: 'cm' } as const;

export function reconcile(
  field: string,
  candidates: readonly Candidate[],
  options: ReconcileOptions = {},
): FieldResult {
  const usable = candidates.filter((candidate) => candidate.parsed.kind !== 'invalid');
  if (usable.length === 0) return emptyResult(field);
  const tolerance = options.tolerance ?? 0.01;
  const keyOf = options.keyOf ?? compactValue;
  // Higher priority first, stated units before unit-less numbers, then payload order: stable and deterministic.
  const ordered = [...usable].sort((a, b) => {
    const stated = (c: Candidate) => (c.parsed.kind === 'number' && !c.parsed.unitStated ? 1 : 0);
    return stated(a) - stated(b) || b.priority - a.priority;
  });

  const clusters: { key: string; members: Member[] }[] = [];
  ordered.forEach((candidate, order) => {
    const parsed = candidate.parsed;
    if (parsed.kind === 'number') {
      // Numbers agree transitively: a reading joins every cluster it is within tolerance of any
      // member of, and merges them. Comparing with a cluster's first member only made agreement
      // depend on which source ranked first: 49 and 50 agree, and a higher-priority 50.9 that agrees
      // with 50 used to push 49 out and turn an agreed field into a conflict.
      const near = (value: number) =>
        clusters.filter((cluster) =>
          cluster.members.some((m) => withinTolerance(m.value as number, value, tolerance)),
        );
      let targets = near(parsed.value);
      let member: Member = { candidate, value: parsed.value, note: null, order };
      const metric = parsed.unit === 'lb' || parsed.unit === 'in' ? METRIC_READING[parsed.unit] : null;
      if (targets.length === 0 && !parsed.unitStated && metric && parsed.unit) {
        const converted = convert(parsed.value, metric, parsed.unit);
        const metricTargets = converted === null ? [] : near(converted);
        if (metricTargets.length > 0 && converted !== null) {
          targets = metricTargets;
          member = {
            candidate,
            value: converted,
            note: `${candidate.entry.path} ${parsed.value} read as ${metric}: it agrees with the other sources only in ${metric}`,
            order,
          };
        }
      }
      const [target, ...merged] = targets;
      if (!target) {
        clusters.push({ key: String(parsed.value), members: [member] });
        return;
      }
      target.members.push(member);
      for (const other of merged) {
        // One by one: a cluster can hold every entry of a huge record (no spread into push).
        for (const otherMember of other.members) target.members.push(otherMember);
        clusters.splice(clusters.indexOf(other), 1);
      }
      target.members.sort((a, b) => a.order - b.order);
      return;
    }
    const value: FieldValue =
      parsed.kind === 'list'
        ? parsed.value
        : parsed.kind === 'boolean'
          ? parsed.value
          : parsed.kind === 'text'
            ? parsed.value
            : '';
    const key =
      typeof value === 'string'
        ? keyOf(value)
        : Array.isArray(value)
          ? value.map(keyOf).join('|')
          : String(value);
    const cluster = clusters.find((existing) => existing.key === key);
    if (cluster) cluster.members.push({ candidate, value, note: null, order });
    else clusters.push({ key, members: [{ candidate, value, note: null, order }] });
  });

  const support = (cluster: { members: Member[] }) =>
    new Set(cluster.members.map((m) => m.candidate.entry.family)).size;
  const bestPriority = (cluster: { members: Member[] }) =>
    cluster.members.reduce((best, m) => Math.max(best, m.candidate.priority), Number.NEGATIVE_INFINITY);
  const ranked = clusters
    .map((cluster, index) => ({ cluster, index }))
    .sort(
      (a, b) =>
        (options.freeText ? 0 : support(b.cluster) - support(a.cluster)) ||
        bestPriority(b.cluster) - bestPriority(a.cluster) ||
        a.index - b.index,
    );
  const winner = ranked[0]!.cluster;
  const losers = options.freeText ? [] : ranked.slice(1).map((item) => item.cluster);
  const agreement: Agreement =
    losers.length > 0 ? 'conflict' : support(winner) > 1 ? 'agreed' : 'single_source';
  return {
    field,
    value: winner.members[0]!.value,
    agreement,
    sources: winner.members.map((member) => sourceRef(member.candidate)),
    disagreeing: losers.flatMap((cluster) =>
      cluster.members.map((member) => ({ source: sourceRef(member.candidate), value: member.value })),
    ),
    notes: winner.members.map((member) => member.note).filter((note): note is string => note !== null),
  };
}
