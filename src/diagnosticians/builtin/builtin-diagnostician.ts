import type { FixOp } from '../../domain/rule-set/fix-ops.ts';
import { normaliseKey } from '../../domain/verification/normalise.ts';
import {
  type AttemptOutcome,
  type ContextPack,
  type Diagnosis,
  type Diagnostician,
  diagnosisSchema,
  type FinalApproval,
  type FinalSummary,
  finalApprovalSchema,
  noFix,
  type OutcomeReview,
  outcomeReviewSchema,
  type Review,
  reviewSchema,
} from '../diagnostician.ts';
import {
  aliasOp,
  clampConfidence,
  fieldOfPath,
  findSubject,
  issueSubject,
  JUDGEABLE_OPS,
  type KeySubject,
  opIdentity,
  opLabel,
  sameKeyElsewhere,
  unknownAffixCandidates,
} from './pack-structure.ts';

/**
 * The procedure both built-ins follow; what differs is the evidence they weigh (`Evidence`):
 * words for `lexical`, values for `value-profile`. Sharing the procedure keeps the two answering
 * the same questions the same way, so that when they disagree it is the evidence that differs.
 *
 * - diagnose: a key whose values are bookkeeping → `add_ignored_key`; a key with an unknown family
 *   affix whose siblings map once the affix is stripped → `add_family_affix`; otherwise the
 *   best-supported field → `add_alias`, with the same key in other families as system-wide ops
 *   (never another key: each is judged on its own issue); nothing supported well enough → `noFix`.
 * - review: every op of the other diagnosis judged on this evidence alone (the author is unknown).
 * - reviewOutcome: signature gone, no regressions, and every changed value plausible.
 * - improve: drop ops a review named, and choose the next-best field.
 * - finalApproval: zero regressions, at least one job improved, only ops a built-in can judge.
 */

export interface Ranked {
  readonly field: string;
  /** Support in [0, 1]. */
  readonly score: number;
}

export interface Evidence {
  readonly name: string;
  /** What this evidence is, for rationales ("the key's words", "the key's values"). */
  readonly describes: string;
  /** Score needed to propose a field, and to agree with another's choice. */
  readonly proposeAt: number;
  readonly agreeAt: number;
  /** Lead over the runner-up needed to single out one field; below it the evidence cannot choose. */
  readonly minMargin: number;
  /** Fields ranked by support for a subject (best first), excluding some. */
  rank(pack: ContextPack, subject: KeySubject, exclude: ReadonlySet<string>): Ranked[];
  /** Support for one subject → field mapping. */
  score(pack: ContextPack, subject: KeySubject, fieldId: string): number;
  /** Confidence (0–100) of proposing the best field, given the runner-up. */
  proposalConfidence(best: Ranked, runnerUp: Ranked | undefined, subject: KeySubject): number;
  /** Confidence (0–100) that no field fits, given the best score. */
  noFieldConfidence(best: Ranked | undefined, subject: KeySubject): number;
  /** Why this key carries no product data, or null. */
  bookkeeping(subject: KeySubject): string | null;
  /** For a picklist miss: the entry to alias to, with confidence, or null. */
  picklistTarget(pack: ContextPack): { to: string; confidence: number; why: string } | null;
  /** Is a changed value plausible for its field, on this evidence? */
  plausibleChange(
    pack: ContextPack,
    change: AttemptOutcome['changes'][number],
    field: string,
    ops: readonly FixOp[],
  ): boolean;
}

const NO_EXCLUSIONS: ReadonlySet<string> = new Set();

/** Fields a base key (an affix stripped) maps to on this evidence, for the affix judgement. */
function affixJudgement(
  pack: ContextPack,
  evidence: Evidence,
  threshold: number,
  requireHalf: boolean,
): { op: FixOp; mapped: { key: string; field: string; score: number }[]; siblings: number } | null {
  const subject = issueSubject(pack);
  if (!subject) return null;
  for (const candidate of unknownAffixCandidates(pack)) {
    const mapped: { key: string; field: string; score: number }[] = [];
    for (const sibling of candidate.siblings) {
      const base: KeySubject = { ...sibling, key: sibling.base, normalisedKey: normaliseKey(sibling.base) };
      const [best] = evidence.rank(pack, base, NO_EXCLUSIONS);
      if (best && best.score >= threshold)
        mapped.push({ key: sibling.key, field: best.field, score: best.score });
    }
    const ownMaps = mapped.some((entry) => normaliseKey(entry.key) === subject.normalisedKey);
    // Several keys share the affix and each maps once it is stripped: a renamed family, not one key.
    if (ownMaps && mapped.length >= 2 && (!requireHalf || mapped.length * 2 >= candidate.siblings.length)) {
      const op: FixOp =
        candidate.kind === 'suffix'
          ? { op: 'add_family_affix', family: candidate.family, suffix: candidate.affix }
          : { op: 'add_family_affix', family: candidate.family, prefix: candidate.affix };
      return { op, mapped, siblings: candidate.siblings.length };
    }
  }
  return null;
}

function diagnoseWith(evidence: Evidence, pack: ContextPack, exclude: ReadonlySet<string>): Diagnosis {
  const subject = issueSubject(pack);
  if (pack.issue.type === 'picklist_miss') {
    const target = evidence.picklistTarget(pack);
    if (!target || pack.issue.value === undefined || pack.picklist === undefined || exclude.has(target.to)) {
      return noFix(
        `${pack.issue.picklist ?? 'picklist'} value "${pack.issue.value ?? ''}" has no entry ${evidence.describes} support`,
        45,
        'no nearby picklist entry is supported strongly enough to alias automatically',
      );
    }
    return diagnosisSchema.parse({
      rootCause: `"${pack.issue.value}" is another spelling of the ${pack.picklist.name} picklist entry "${target.to}"`,
      fixOps: [
        { op: 'add_picklist_alias', picklist: pack.picklist.name, alias: pack.issue.value, to: target.to },
      ],
      systemWideOps: [],
      confidence: target.confidence,
      rationale: target.why,
    });
  }
  if (!subject || pack.issue.type !== 'unmapped_key') {
    return noFix(
      `a ${pack.issue.type} issue is not something ${evidence.name} can repair with a rule-set op`,
      30,
      `${evidence.name} judges unmapped keys and picklist misses only`,
    );
  }
  const junk = bookkeepingOn(evidence, pack, subject);
  if (junk !== null && !exclude.has('__ignore__')) {
    return diagnosisSchema.parse({
      rootCause: `"${subject.key}" carries no product data: ${junk}`,
      fixOps: [
        { op: 'add_ignored_key', key: subject.key, families: [subject.family], reason: junk.slice(0, 500) },
      ],
      systemWideOps: [],
      confidence: 85,
      rationale: `${evidence.describes}: ${junk}; ignoring the key stops the issue without inventing a value`,
    });
  }
  const affix = exclude.has('__affix__') ? null : affixJudgement(pack, evidence, evidence.proposeAt, true);
  if (affix) {
    const mean = affix.mapped.reduce((sum, entry) => sum + entry.score, 0) / affix.mapped.length;
    return diagnosisSchema.parse({
      rootCause: `"${subject.key}" belongs to a source family under a new affix: ${affix.mapped.length} of ${affix.siblings} keys with it map to known fields once it is stripped`,
      fixOps: [affix.op],
      systemWideOps: [],
      confidence: clampConfidence(45 + 50 * mean),
      rationale: `${opLabel(affix.op)}; ${affix.mapped.map((entry) => `${entry.key} → ${entry.field} (${entry.score.toFixed(2)})`).join(', ')}`,
    });
  }
  const ranked = evidence.rank(pack, subject, exclude);
  const [best, runnerUp] = ranked;
  if (!best || best.score < evidence.proposeAt) {
    return noFix(
      `no field of the rule set fits "${subject.key}" on ${evidence.describes}`,
      evidence.noFieldConfidence(best, subject),
      best
        ? `best candidate ${best.field} at ${best.score.toFixed(2)}, below the ${evidence.proposeAt} needed to propose it`
        : 'no candidate field at all',
    );
  }
  if (runnerUp && best.score - runnerUp.score < evidence.minMargin) {
    const tied = ranked.filter((entry) => best.score - entry.score < evidence.minMargin);
    return noFix(
      `${evidence.describes} fit ${tied.length} fields about equally; they cannot single one out`,
      30,
      `tied: ${tied
        .slice(0, 8)
        .map((entry) => `${entry.field} ${entry.score.toFixed(2)}`)
        .join(', ')}`,
    );
  }
  const primary = aliasOp(best.field, subject.key, [subject.family]);
  const systemWide: FixOp[] = [];
  for (const family of sameKeyElsewhere(pack, subject))
    systemWide.push(aliasOp(best.field, subject.key, [family]));
  // Only the same key in other families rides along. Another key beside it, however clearly this
  // evidence maps it to the same field (`Part_Manuf` beside `E1_Brand`, both read as the maker), is
  // left to its own issue: every related key is an unmapped key with a heal run of its own, where
  // both diagnosticians judge it, and a fix is applied only with both endorsements. Riding on this
  // fix it would be vouched for by one evidence alone, and the other's doubt about it would sink
  // this key's fix with it (the demo lost `Mfg_Part_Num` to a `Part_Manuf` rider).
  return diagnosisSchema.parse({
    rootCause: `"${subject.key}" (${subject.family}) is another name of the field ${best.field}, which no alias covers`,
    fixOps: [primary],
    systemWideOps: dedupe(systemWide).slice(0, 30),
    confidence: evidence.proposalConfidence(best, runnerUp, subject),
    rationale: `${evidence.describes} support ${best.field} at ${best.score.toFixed(2)}${
      runnerUp ? `; next ${runnerUp.field} at ${runnerUp.score.toFixed(2)}` : ''
    }`,
  });
}

function dedupe(ops: readonly FixOp[]): FixOp[] {
  const seen = new Set<string>();
  return ops.filter((op) => {
    const identity = opIdentity(op);
    if (seen.has(identity)) return false;
    seen.add(identity);
    return true;
  });
}

/** One op judged on this evidence: ok, with a confidence, or a concern naming the op. */
/**
 * A key is bookkeeping by its name (`_url`, `last_checked`) on any evidence, but by its values
 * (only placeholders such as `-- No DIB Brand --`) only once enough jobs carry it: a distributor
 * column empty on the first few records may carry real brands on the next, and an ignored key is
 * never looked at again.
 */
const MIN_JOBS_FOR_EMPTY_VALUES = 10;

function bookkeepingOn(evidence: Evidence, pack: ContextPack, subject: KeySubject): string | null {
  const reason = evidence.bookkeeping(subject);
  if (reason === null) return null;
  const byName = evidence.bookkeeping({ ...subject, values: [] }) !== null;
  return byName || pack.frequency >= MIN_JOBS_FOR_EMPTY_VALUES ? reason : null;
}

function judgeOp(
  evidence: Evidence,
  pack: ContextPack,
  op: FixOp,
): { ok: boolean; confidence: number; concern?: string } {
  const label = opLabel(op);
  switch (op.op) {
    case 'add_alias': {
      const subject = findSubject(pack, op.families?.[0], op.key) ??
        findSubject(pack, undefined, op.key) ?? {
          family: op.families?.[0] ?? 'record',
          key: op.key,
          normalisedKey: normaliseKey(op.key),
          values: [],
        };
      if (!pack.fields.some((field) => field.id === op.field))
        return {
          ok: false,
          confidence: 90,
          concern: `${label}: the field ${op.field} is not in the rule set`,
        };
      const score = evidence.score(pack, subject, op.field);
      const [best] = evidence.rank(pack, subject, NO_EXCLUSIONS);
      if (score < evidence.agreeAt) {
        return {
          ok: false,
          confidence: clampConfidence(50 + 50 * (evidence.agreeAt - score)),
          concern: `${label}: ${evidence.describes} support ${op.field} at only ${score.toFixed(2)}${
            best && best.field !== op.field ? ` (best is ${best.field} at ${best.score.toFixed(2)})` : ''
          }`,
        };
      }
      if (best && best.field !== op.field && best.score - score > 0.2) {
        return {
          ok: false,
          confidence: 70,
          concern: `${label}: ${evidence.describes} fit ${best.field} (${best.score.toFixed(2)}) much better than ${op.field} (${score.toFixed(2)})`,
        };
      }
      return { ok: true, confidence: clampConfidence(35 + 65 * score) };
    }
    case 'add_family_affix': {
      const affix = affixJudgement(pack, evidence, evidence.agreeAt, false);
      const same = affix !== null && opIdentity(affix.op) === opIdentity(op);
      return same
        ? { ok: true, confidence: clampConfidence(45 + 10 * affix.mapped.length) }
        : {
            ok: false,
            confidence: 70,
            concern: `${label}: the keys with this affix do not map to known fields on ${evidence.describes}`,
          };
    }
    case 'add_ignored_key': {
      const subject = findSubject(pack, op.families?.[0], op.key);
      const reason = subject ? bookkeepingOn(evidence, pack, subject) : null;
      if (reason !== null) return { ok: true, confidence: 85 };
      const [best] = subject ? evidence.rank(pack, subject, NO_EXCLUSIONS) : [];
      return {
        ok: false,
        confidence: 70,
        concern: `${label}: ${evidence.describes} do not show bookkeeping${
          best && best.score >= evidence.proposeAt ? `; it looks like ${best.field}` : ''
        }`,
      };
    }
    case 'add_picklist_alias': {
      const target = evidence.picklistTarget(pack);
      const ok = target !== null && target.to === op.to;
      return ok
        ? { ok: true, confidence: target.confidence }
        : { ok: false, confidence: 70, concern: `${label}: not supported by ${evidence.describes}` };
    }
    default:
      return {
        ok: false,
        confidence: 80,
        concern: `${label}: a built-in diagnostician cannot judge a ${op.op} op`,
      };
  }
}

function reviewWith(evidence: Evidence, pack: ContextPack, diagnosis: Diagnosis): Review {
  const ops = [...diagnosis.fixOps, ...diagnosis.systemWideOps];
  if (diagnosis.fixOps.length === 0) {
    // "No fix" is agreed with when this evidence finds nothing either.
    const own = diagnoseWith(evidence, pack, NO_EXCLUSIONS);
    const agrees = own.fixOps.length === 0;
    return reviewSchema.parse({
      agrees,
      confidence: agrees ? own.confidence : clampConfidence(own.confidence),
      concerns: agrees ? [] : [`a fix is supported: ${own.fixOps.map(opLabel).join('; ')}`],
      suggestions: agrees ? [] : own.fixOps.map(opLabel),
    });
  }
  const judgements = ops.map((op) => judgeOp(evidence, pack, op));
  const concerns = judgements.flatMap((judgement) =>
    judgement.concern ? [judgement.concern.slice(0, 1000)] : [],
  );
  const agrees = judgements.every((judgement) => judgement.ok);
  const confidence = agrees
    ? Math.min(...judgements.map((judgement) => judgement.confidence))
    : Math.max(...judgements.filter((judgement) => !judgement.ok).map((judgement) => judgement.confidence));
  const suggestions: string[] = [];
  if (!agrees) {
    const own = diagnoseWith(evidence, pack, NO_EXCLUSIONS);
    if (own.fixOps.length > 0) suggestions.push(...own.fixOps.map(opLabel));
  }
  return reviewSchema.parse({
    agrees,
    confidence: clampConfidence(confidence),
    concerns: concerns.slice(0, 20),
    suggestions: suggestions.slice(0, 20),
  });
}

function reviewOutcomeWith(evidence: Evidence, pack: ContextPack, outcome: AttemptOutcome): OutcomeReview {
  const concerns: string[] = [];
  if (!outcome.signatureGone) concerns.push(`the issue ${pack.issue.signature} is still there`);
  if (outcome.regressions.length > 0) {
    concerns.push(
      `${outcome.regressions.length} regression(s): ${outcome.regressions
        .slice(0, 5)
        .map((regression) => `${regression.jobId} ${regression.path}`)
        .join(', ')}`,
    );
  }
  for (const op of outcome.ops)
    if (!JUDGEABLE_OPS.has(op.op)) concerns.push(`${opLabel(op)}: not an op a built-in can judge`);
  for (const change of outcome.changes.slice(0, 50)) {
    const field = fieldOfPath(change.path, pack.fields);
    if (field === null) continue;
    if (!evidence.plausibleChange(pack, change, field, outcome.ops)) {
      concerns.push(
        `${change.path} = ${JSON.stringify(change.after)} is not plausible for ${field} on ${evidence.describes}`,
      );
    }
  }
  const approved = concerns.length === 0;
  return outcomeReviewSchema.parse({
    approved,
    confidence: approved ? 85 : 80,
    concerns: concerns.map((concern) => concern.slice(0, 1000)).slice(0, 20),
  });
}

function improveWith(
  evidence: Evidence,
  pack: ContextPack,
  previous: Diagnosis,
  reviews: readonly (Review | OutcomeReview)[],
): Diagnosis {
  const concerns = reviews.flatMap((review) => review.concerns);
  const objected = (op: FixOp) => concerns.some((concern) => concern.startsWith(opLabel(op)));
  const exclude = new Set<string>();
  for (const op of previous.fixOps) {
    if (!objected(op)) continue;
    if (op.op === 'add_alias') exclude.add(op.field);
    if (op.op === 'add_ignored_key') exclude.add('__ignore__');
    if (op.op === 'add_family_affix') exclude.add('__affix__');
    if (op.op === 'add_picklist_alias') exclude.add(op.to);
  }
  const outcomeFailed = reviews.some((review) => 'approved' in review && !review.approved);
  if (outcomeFailed) for (const op of previous.fixOps) if (op.op === 'add_alias') exclude.add(op.field);
  const next = diagnoseWith(evidence, pack, exclude);
  const sameAsBefore =
    next.fixOps.length === previous.fixOps.length &&
    next.fixOps.every((op, index) => opIdentity(op) === opIdentity(previous.fixOps[index]!));
  if (next.fixOps.length > 0 && !sameAsBefore) {
    const systemWideOps = next.systemWideOps.filter((op) => !objected(op));
    return diagnosisSchema.parse({
      ...next,
      systemWideOps,
      rationale: `improved after review: ${next.rationale}`.slice(0, 4000),
    });
  }
  // Nothing better: keep the primary fix when only system-wide ops were objected to.
  const keptSystemWide = previous.systemWideOps.filter((op) => !objected(op));
  if (previous.fixOps.length > 0 && !previous.fixOps.some(objected) && !outcomeFailed) {
    return diagnosisSchema.parse({
      ...previous,
      systemWideOps: keptSystemWide,
      rationale: `kept the primary fix, dropped ${previous.systemWideOps.length - keptSystemWide.length} objected system-wide op(s)`,
    });
  }
  return noFix(
    'no better fix is supported after the reviews',
    40,
    `${evidence.describes} support nothing beyond what the reviews rejected: ${concerns.slice(0, 3).join('; ')}`.slice(
      0,
      4000,
    ),
  );
}

function finalApprovalWith(evidence: Evidence, summary: FinalSummary): FinalApproval {
  const reasons: string[] = [];
  if (summary.regressions > 0)
    reasons.push(`${summary.regressions} regression(s): a fix may not make any job worse`);
  if (summary.jobsImproved <= 0) reasons.push('no job improved: the fix does nothing it was meant to do');
  const unjudgeable = summary.ops.filter((op) => !JUDGEABLE_OPS.has(op.op));
  if (unjudgeable.length > 0)
    reasons.push(`ops a built-in cannot judge: ${unjudgeable.map(opLabel).join(', ')}`);
  const approved = reasons.length === 0;
  return finalApprovalSchema.parse({
    approved,
    confidence: approved ? clampConfidence(70 + Math.min(25, summary.jobsImproved)) : 90,
    reasoning: approved
      ? `${evidence.name}: ${summary.jobsImproved} of ${summary.jobsChecked} jobs improved, no regressions, ops ${summary.ops
          .map(opLabel)
          .join('; ')} are low-risk additions it can judge`.slice(0, 4000)
      : `${evidence.name} rejects: ${reasons.join('; ')}`.slice(0, 4000),
  });
}

/** A deterministic, network-free diagnostician over one kind of evidence. */
export function builtinDiagnostician(evidence: Evidence): Diagnostician {
  return {
    name: evidence.name,
    diagnose: async (pack) => diagnoseWith(evidence, pack, NO_EXCLUSIONS),
    review: async (pack, diagnosis) => reviewWith(evidence, pack, diagnosis),
    reviewOutcome: async (pack, outcome) => reviewOutcomeWith(evidence, pack, outcome),
    improve: async (pack, previous, reviews) => improveWith(evidence, pack, previous, reviews),
    finalApproval: async (summary) => finalApprovalWith(evidence, summary),
  };
}
