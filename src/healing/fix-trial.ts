import type { AttemptOutcome } from '../diagnosticians/diagnostician.ts';
import { detectIssues } from '../domain/issues/detect-issues.ts';
import { applyFixOps, fixOpTargets } from '../domain/rule-set/apply-fix-ops.ts';
import type { CompiledRuleSet } from '../domain/rule-set/compile-rule-set.ts';
import type { FixOp } from '../domain/rule-set/fix-ops.ts';
import type { RuleSet } from '../domain/rule-set/rule-set-schema.ts';
import { validateRuleSet } from '../domain/rule-set/validate-rule-set.ts';
import {
  PRIMARY_OUTPUT,
  type Provenance,
  type VerificationResult,
  verifyRecord,
} from '../domain/verification/verify-record.ts';

/**
 * Phase 3 and the proof of Phase 4, as pure code: stage a fix on the active rule set, validate
 * it, and re-verify the original job, a golden sample of stored jobs and the rule set's example
 * cases with both versions side by side.
 *
 * A regression is a value the active version verified, on a field the fix's ops do not target,
 * that the staged version loses or changes; a single one rejects the fix. Changes to targeted
 * fields are listed for the reviewers (that is what the fix is for, and they judge it).
 *
 * A source the fix brings to a field is also checked against the field's other sources on the
 * same job: it corroborates them (the field becomes agreed) or contradicts them (the field
 * becomes a conflict). A key mapped to the wrong field (`Height_Legacy` read as the weight)
 * contradicts the real weight source wherever both are present, so a fix whose new sources
 * contradict more often than they corroborate is rejected; `contradicted` says so.
 */

export interface TrialJob {
  readonly id: string;
  readonly payload: Record<string, unknown>;
  readonly receivedAt: string;
  /** The stored result when it was verified with the active version (saves a verification). */
  readonly activeResult?: VerificationResult;
}

export interface TrialInput {
  readonly active: { readonly rules: RuleSet; readonly compiled: CompiledRuleSet };
  readonly ops: readonly FixOp[];
  /** Version number the staged rule set would get (validation compiles under it). */
  readonly stagedVersion: number;
  readonly signature: string;
  readonly original: TrialJob;
  readonly golden: readonly TrialJob[];
}

export type TrialResult =
  | { readonly status: 'rejected'; readonly problems: readonly string[] }
  | {
      readonly status: 'staged';
      readonly rules: RuleSet;
      readonly compiled: CompiledRuleSet;
      readonly effects: readonly string[];
      /** What the fix did to the original job, for the before/after review. */
      readonly outcome: AttemptOutcome;
      /**
       * Regressions and changes over the golden sample and the example cases; contradictions and
       * corroborations over the original job and the sample.
       */
      readonly gate: GateResult;
    };

export interface Contradiction {
  readonly jobId: string;
  readonly path: string;
  /** The value the field's sources agreed on before the fix brought a new source in. */
  readonly before: unknown;
  /** Sources the fix brought to the field, by payload path. */
  readonly newSources: readonly string[];
}

export interface GateResult {
  readonly jobsChecked: number;
  readonly jobsImproved: number;
  readonly examplesChecked: number;
  readonly regressions: AttemptOutcome['regressions'];
  readonly changes: AttemptOutcome['changes'];
  readonly contradictions: readonly Contradiction[];
  /** Fields a new source agreed with, where the field already had a source. */
  readonly corroborations: number;
}

/** New sources disagree with a field's other sources more often than they agree: the mapping is wrong. */
export function contradicted(evidence: {
  readonly contradictions: readonly unknown[];
  readonly corroborations: number;
}): boolean {
  return evidence.contradictions.length > evidence.corroborations;
}

export function describeContradictions(evidence: {
  readonly contradictions: readonly Contradiction[];
  readonly corroborations: number;
}): string {
  const [first] = evidence.contradictions;
  const example = first
    ? `, e.g. on ${first.jobId}: ${first.newSources.join(', ')} against ${JSON.stringify(first.before)} for ${first.path}`
    : '';
  return `the fix's new sources contradict a field's other sources on ${evidence.contradictions.length} job field(s) and agree on ${evidence.corroborations}${example}`;
}

const SESSION = 'heal-trial';

/** Signatures of the issues a result's own findings show (delivery facts aside). */
export function signaturesOf(result: VerificationResult): Set<string> {
  const issues = detectIssues({
    findings: result.Verity_Findings,
    category: null,
    webhook: { configured: false, success: null, lastStatusCode: null, lastError: null },
    confirmations: [],
    acknowledgementError: null,
  });
  return new Set(issues.map((issue) => issue.signature));
}

/** The rule-set field an output path reports (`Primary_Attributes.Brand_Verified` → brand). */
const FIELD_OF_PRIMARY = new Map(Object.entries(PRIMARY_OUTPUT).map(([field, output]) => [output, field]));
export function fieldOfOutputPath(path: string): string | null {
  const [section, leaf] = path.split('.', 2);
  if (leaf === undefined) return null;
  if (section === 'Primary_Attributes') return FIELD_OF_PRIMARY.get(leaf) ?? null;
  if (section === 'Top_Filter_Attributes') return leaf;
  return null;
}

export function valueAt(result: Record<string, unknown>, path: string): unknown {
  let value: unknown = result;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Fewer findings a heal can act on (unread keys, picklist misses, invalid values): cheap to count. */
function fewerIssues(before: VerificationResult, after: VerificationResult): boolean {
  const count = (result: VerificationResult) =>
    result.Verity_Findings.unmappedKeys.length +
    result.Verity_Findings.picklistMisses.length +
    result.Verity_Findings.invalidValues.length;
  return count(after) < count(before);
}

export const verify = (job: TrialJob, rules: CompiledRuleSet): VerificationResult =>
  verifyRecord(job.payload, rules, { receivedAt: job.receivedAt, sessionId: SESSION }).result;

export interface JobComparison {
  readonly regressions: AttemptOutcome['regressions'][number][];
  readonly changes: AttemptOutcome['changes'][number][];
  readonly contradictions: Contradiction[];
  readonly corroborations: number;
}

/** Payload paths a field's provenance cites, winning and losing. */
function citedPaths(provenance: Provenance): Set<string> {
  return new Set([
    ...provenance.sources.map((source) => source.path),
    ...provenance.disagreeing.map((entry) => entry.source.path),
  ]);
}

/** Compare one job's verified values before and after; `targets` are the fields the fix aims at. */
export function compareResults(
  jobId: string,
  before: VerificationResult,
  after: VerificationResult,
  targets: ReadonlySet<string> | 'all',
): JobComparison {
  const regressions: JobComparison['regressions'] = [];
  const changes: JobComparison['changes'] = [];
  const contradictions: Contradiction[] = [];
  let corroborations = 0;
  const paths = new Set([...Object.keys(before.Verity_Provenance), ...Object.keys(after.Verity_Provenance)]);
  for (const path of [...paths].sort()) {
    const had = before.Verity_Provenance[path];
    const has = after.Verity_Provenance[path];
    if (had && has && had.agreement !== 'conflict') {
      const known = citedPaths(had);
      const newSources = [...citedPaths(has)].filter((source) => !known.has(source));
      if (newSources.length > 0 && has.agreement === 'conflict') {
        contradictions.push({ jobId, path, before: valueAt(before, path) ?? null, newSources });
      } else if (newSources.length > 0 && has.agreement === 'agreed') {
        corroborations += 1;
      }
    }
    const old = valueAt(before, path) ?? null;
    const now = valueAt(after, path) ?? null;
    if (JSON.stringify(old) === JSON.stringify(now)) continue;
    const field = fieldOfOutputPath(path);
    const targeted = targets === 'all' || (field !== null && targets.has(field));
    const wasVerified = path in before.Verity_Provenance;
    if (wasVerified && !targeted) {
      regressions.push({ jobId, path, before: old, after: now });
    } else {
      const sources = (after.Verity_Provenance[path]?.sources ?? []).map((source) => source.path);
      changes.push({ jobId, path, before: old, after: now, sources });
    }
  }
  return { regressions, changes, contradictions, corroborations };
}

/** Fields the ops target; `add_family_affix` targets every field of the family. */
export function targetFields(ops: readonly FixOp[], rules: RuleSet): ReadonlySet<string> {
  const fields = new Set<string>();
  for (const op of ops) for (const field of fixOpTargets(op, rules).fields) fields.add(field);
  // A brand or category alias also changes their picklist ids and the category's filters.
  if (fields.has('category')) for (const field of rules.fields) fields.add(field.id);
  return fields;
}

export function stageFix(
  active: RuleSet,
  ops: readonly FixOp[],
  stagedVersion: number,
):
  | { status: 'rejected'; problems: readonly string[] }
  | {
      status: 'staged';
      rules: RuleSet;
      compiled: CompiledRuleSet;
      effects: readonly string[];
    } {
  if (ops.length === 0) return { status: 'rejected', problems: ['the fix has no operations'] };
  const manual = ops.filter((op) => op.op === 'code_change');
  if (manual.length > 0)
    return { status: 'rejected', problems: ['a code change is never applied automatically'] };
  const applied = applyFixOps(active, ops);
  if (applied.status === 'rejected') return { status: 'rejected', problems: applied.problems };
  const validation = validateRuleSet(applied.rules, stagedVersion);
  if (validation.status === 'invalid') return { status: 'rejected', problems: validation.problems };
  return {
    status: 'staged',
    rules: validation.rules,
    compiled: validation.compiled,
    effects: applied.effects,
  };
}

/** Re-verify jobs and example cases with both versions and collect regressions and changes. */
export function regressionGate(
  active: CompiledRuleSet,
  staged: CompiledRuleSet,
  stagedRules: RuleSet,
  jobs: readonly TrialJob[],
  targets: ReadonlySet<string>,
): GateResult {
  const regressions: GateResult['regressions'][number][] = [];
  const changes: GateResult['changes'][number][] = [];
  const contradictions: Contradiction[] = [];
  let corroborations = 0;
  let jobsImproved = 0;
  for (const job of jobs) {
    const before = job.activeResult ?? verify(job, active);
    const after = verify(job, staged);
    const comparison = compareResults(job.id, before, after, targets);
    for (const regression of comparison.regressions) regressions.push(regression);
    for (const change of comparison.changes) changes.push(change);
    for (const contradiction of comparison.contradictions) contradictions.push(contradiction);
    corroborations += comparison.corroborations;
    // Improved: without regressions, a value changed or an issue went away (a key now read
    // that agrees with what other sources said changes no value, yet it is what was fixed).
    if (
      comparison.regressions.length === 0 &&
      (comparison.changes.length > 0 || fewerIssues(before, after))
    ) {
      jobsImproved += 1;
    }
  }
  // Example cases: an expectation the active version meets must still be met.
  for (const example of stagedRules.examples) {
    const job = {
      id: `example:${example.name}`,
      payload: example.payload,
      receivedAt: '2026-01-01T00:00:00.000Z',
    };
    const before = verify(job, active);
    const after = verify(job, staged);
    for (const [path, expected] of Object.entries(example.expect)) {
      const met = (result: VerificationResult) =>
        JSON.stringify(valueAt(result, path) ?? null) === JSON.stringify(expected);
      if (met(before) && !met(after)) {
        regressions.push({ jobId: job.id, path, before: expected, after: valueAt(after, path) ?? null });
      }
    }
  }
  return {
    jobsChecked: jobs.length,
    jobsImproved,
    examplesChecked: stagedRules.examples.length,
    regressions,
    changes,
    contradictions,
    corroborations,
  };
}

/** Stage, validate, prove on the original job and gate on the golden sample. */
export function trialFix(input: TrialInput): TrialResult {
  const staged = stageFix(input.active.rules, input.ops, input.stagedVersion);
  if (staged.status === 'rejected') return staged;
  const targets = targetFields(input.ops, input.active.rules);
  const before = input.original.activeResult ?? verify(input.original, input.active.compiled);
  const after = verify(input.original, staged.compiled);
  const original = compareResults(input.original.id, before, after, targets);
  const remaining = signaturesOf(after);
  const golden = input.golden.filter((job) => job.id !== input.original.id);
  const gate = regressionGate(input.active.compiled, staged.compiled, staged.rules, golden, targets);
  return {
    status: 'staged',
    rules: staged.rules,
    compiled: staged.compiled,
    effects: staged.effects,
    outcome: {
      ops: input.ops,
      signatureGone: !remaining.has(input.signature),
      regressions: original.regressions,
      changes: original.changes,
    },
    // The original job's corroborations and contradictions count with the sample's.
    gate: {
      ...gate,
      contradictions: [...original.contradictions, ...gate.contradictions],
      corroborations: original.corroborations + gate.corroborations,
    },
  };
}
