import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createLexicalDiagnostician } from '../src/diagnosticians/builtin/lexical.ts';
import { fieldOfPath } from '../src/diagnosticians/builtin/pack-structure.ts';
import { levenshteinSimilarity } from '../src/diagnosticians/builtin/text-similarity.ts';
import { createValueProfileDiagnostician } from '../src/diagnosticians/builtin/value-profile.ts';
import type { ContextPack } from '../src/diagnosticians/diagnostician.ts';
import { flattenRecord } from '../src/domain/intake/flatten-record.ts';
import { signaturePart } from '../src/domain/issues/issue.ts';
import { compileRuleSet } from '../src/domain/rule-set/compile-rule-set.ts';
import { buildDefaultRuleSet } from '../src/domain/rule-set/default-rule-set.ts';
import type { FixOp } from '../src/domain/rule-set/fix-ops.ts';
import { rulesSchema } from '../src/domain/rule-set/rule-set-schema.ts';
import { normaliseKey } from '../src/domain/verification/normalise.ts';
import { verifyRecord } from '../src/domain/verification/verify-record.ts';
import { decideConsensus } from '../src/healing/consensus.ts';
import { loadExampleRecords } from './verification-bench.ts';

/**
 * Diagnosis quality of the built-in pair (DESIGN.md §5) on bench/data/labelled-keys.json: for
 * each labelled key, a context pack as Phase 2 builds it (the default rule set's fields with their
 * aliases, the labelled key never among them; field values from the verified results of every
 * example record; related keys from the records that carry the key), both built-ins diagnose and
 * cross-review, and `decideConsensus` at minConfidence 70 decides what would be applied
 * automatically. Precision = correct auto-applied fixes / auto-applied fixes (an alias or affix
 * that maps the key to its labelled field, or add_ignored_key for a key labelled null); recall =
 * correct auto-applied fixes / keys with a field. Baseline: normalised Levenshtein similarity of
 * the key against every field id, label and alias, applied when ≥ 0.8.
 */

interface LabelledKey {
  readonly family: string;
  readonly key: string;
  readonly normalisedKey: string;
  readonly label: string | null;
  readonly values: readonly string[];
  readonly jobs: number;
  readonly sources: readonly string[];
}

export interface CaseOutcome {
  readonly key: string;
  readonly family: string;
  readonly label: string | null;
  readonly pair: string;
  readonly pairCorrect: boolean | null;
  readonly baseline: string;
  readonly baselineCorrect: boolean | null;
  /** Position in labelled-keys.json: even positions are the tuning half, odd ones the held-out half. */
  readonly index: number;
  /** Why the pair decided as it did: each diagnosis, each review, the consensus reason. */
  readonly why: string;
}

export interface Score {
  precision: number;
  recall: number;
}

export interface DiagnosisQuality {
  pair: Score;
  baseline: Score;
  /**
   * The pair on each half of the labelled set: `tuning` (even positions) is the half looked at
   * while changing the diagnosticians, `heldOut` (odd positions) the half that was not, so that a
   * gap between the two shows overfitting.
   */
  split: { tuning: Score; heldOut: Score };
  cases: number;
  outcomes?: readonly CaseOutcome[];
}

const BASELINE_THRESHOLD = 0.8;

function loadLabelled(): LabelledKey[] {
  const path = fileURLToPath(new URL('./data/labelled-keys.json', import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')) as LabelledKey[];
}

function topValues(counts: Map<string, number>, limit: number): string[] {
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([value]) => value);
}

export async function runDiagnosisQualityBench(): Promise<DiagnosisQuality> {
  const ruleSet = rulesSchema.parse(buildDefaultRuleSet());
  const rules = compileRuleSet(ruleSet, 1);
  const context = { receivedAt: '2026-01-01T00:00:00.000Z', sessionId: 'diagnosis-quality' };
  const fieldValues = new Map<string, Map<string, number>>();
  const familyKeys = new Map<string, Set<string>>();
  const unmappedValues = new Map<string, Map<string, number>>();
  const unmappedJobs = new Map<string, number>();
  const unmappedSpelling = new Map<string, { family: string; key: string; normalisedKey: string }>();
  const recordsByKey = new Map<string, string[][]>();
  const addValue = (field: string, value: unknown) => {
    if (value === null || value === undefined || value === '' || value === 'Not Found') return;
    const text = typeof value === 'boolean' ? (value ? 'Yes' : 'No') : String(value);
    const counts = fieldValues.get(field) ?? new Map<string, number>();
    counts.set(text, (counts.get(text) ?? 0) + 1);
    fieldValues.set(field, counts);
  };
  const packFieldsBare = ruleSet.fields.map((field) => ({
    id: field.id,
    label: field.label,
    type: field.type,
    aliases: [],
    values: [],
  }));
  for (const record of loadExampleRecords()) {
    const { result } = verifyRecord(record.payload, rules, context);
    for (const [output, value] of Object.entries(result.Primary_Attributes)) {
      const field = fieldOfPath(`Primary_Attributes.${output}`, packFieldsBare);
      if (field && !/_Id$/.test(output)) addValue(field, value);
    }
    for (const [field, value] of Object.entries(result.Top_Filter_Attributes)) addValue(field, value);
    for (const entry of flattenRecord(record.payload, rules).entries) {
      const family = rules.familyById.get(entry.family);
      const keys = familyKeys.get(entry.family) ?? new Set<string>();
      if (keys.size < 500) keys.add(family?.layout === 'flat' ? entry.path : entry.key);
      familyKeys.set(entry.family, keys);
    }
    const here: string[] = [];
    for (const unmapped of result.Verity_Findings.unmappedKeys) {
      const id = `${unmapped.family}|${unmapped.normalisedKey}`;
      here.push(id);
      unmappedSpelling.set(id, {
        family: unmapped.family,
        key: unmapped.key,
        normalisedKey: unmapped.normalisedKey,
      });
      unmappedJobs.set(id, (unmappedJobs.get(id) ?? 0) + 1);
      const counts = unmappedValues.get(id) ?? new Map<string, number>();
      counts.set(unmapped.sample, (counts.get(unmapped.sample) ?? 0) + 1);
      unmappedValues.set(id, counts);
    }
    for (const id of here) {
      const list = recordsByKey.get(id) ?? [];
      if (list.length < 50) list.push(here);
      recordsByKey.set(id, list);
    }
  }
  const families: ContextPack['families'] = ruleSet.sourceFamilies.map((family) => ({
    id: family.id,
    label: family.label,
    layout: family.layout,
    suffixes: family.layout === 'flat' ? family.suffixes : [],
    prefixes: family.layout === 'flat' ? family.prefixes : [],
    keys: [...(familyKeys.get(family.id) ?? [])].sort(),
  }));
  const labelled = loadLabelled();
  const observedKeys = new Set([
    ...[...unmappedSpelling.values()].map((spelling) => spelling.normalisedKey),
    ...labelled.map((entry) => entry.normalisedKey),
  ]);
  const lexical = createLexicalDiagnostician();
  const valueProfile = createValueProfileDiagnostician();
  const outcomes: CaseOutcome[] = [];

  for (const entry of labelled) {
    const fields: ContextPack['fields'] = ruleSet.fields.map((field) => ({
      id: field.id,
      label: field.label,
      type: field.type,
      ...(field.unit ? { unit: field.unit } : {}),
      // The labelled key must be unknown to the rule set, as it is when the issue arises.
      aliases: field.aliases.map((alias) => alias.key).filter((key) => key !== entry.normalisedKey),
      values: topValues(fieldValues.get(field.id) ?? new Map(), 30),
    }));
    const id = `${entry.family}|${entry.normalisedKey}`;
    const beside = new Map<string, number>();
    for (const record of recordsByKey.get(id) ?? []) {
      for (const other of record) if (other !== id) beside.set(other, (beside.get(other) ?? 0) + 1);
    }
    let relatedKeys: ContextPack['relatedKeys'] = topValues(beside, 40).map((other) => ({
      ...unmappedSpelling.get(other)!,
      jobs: unmappedJobs.get(other) ?? 0,
      values: topValues(unmappedValues.get(other) ?? new Map(), 8),
    }));
    if (!recordsByKey.has(id)) {
      // A corpus key outside examples/: its neighbours are the other columns of the same source file.
      relatedKeys = labelled
        .filter((other) => other !== entry && other.sources[0] === entry.sources[0])
        .map((other) => ({
          family: other.family,
          key: other.key,
          normalisedKey: other.normalisedKey,
          jobs: other.jobs,
          values: other.values.slice(0, 8),
        }));
    }
    const pack: ContextPack = {
      issue: {
        type: 'unmapped_key',
        signature: `unmapped_key:${entry.family}:${signaturePart(entry.normalisedKey)}`,
        severity: 'medium',
        summary: `source key "${entry.key}" (${entry.family}) is read by no field`,
        family: entry.family,
        key: entry.key,
        normalisedKey: entry.normalisedKey,
        value: entry.values[0] ?? '',
        healable: true,
      },
      frequency: entry.jobs,
      keyValues: entry.values,
      relatedKeys,
      fields,
      families,
      samples: [],
    };
    const [a, b] = await Promise.all([lexical.diagnose(pack), valueProfile.diagnose(pack)]);
    const [reviewOfA, reviewOfB] = await Promise.all([valueProfile.review(pack, a), lexical.review(pack, b)]);
    const decision = decideConsensus({
      a,
      b,
      reviewOfA,
      reviewOfB,
      minConfidence: 70,
      required: true,
      systemWideEnabled: true,
      observedKeys,
    });
    const why = [
      `lexical: ${a.fixOps.map(describe).join(', ') || 'no fix'} @${a.confidence} (${a.rationale})`,
      `value-profile: ${b.fixOps.map(describe).join(', ') || 'no fix'} @${b.confidence} (${b.rationale})`,
      `value-profile on lexical: ${reviewOfA.agrees ? 'agrees' : 'disagrees'} @${reviewOfA.confidence} ${reviewOfA.concerns.join('; ')}`,
      `lexical on value-profile: ${reviewOfB.agrees ? 'agrees' : 'disagrees'} @${reviewOfB.confidence} ${reviewOfB.concerns.join('; ')}`,
      `consensus: ${decision.status}${'reason' in decision ? ` (${decision.reason})` : ''}`,
    ].join('\n');
    let pair = `${decision.status}`;
    let pairCorrect: boolean | null = null;
    if (decision.status === 'agreed') {
      const [op] = decision.fixOps;
      pair = describe(op);
      pairCorrect = op !== undefined && judge(op, entry, rules);
    }
    const baseline = baselineFix(entry, fields);
    outcomes.push({
      key: entry.key,
      family: entry.family,
      label: entry.label,
      pair,
      pairCorrect,
      baseline: baseline ? `add_alias ${baseline}` : '-',
      baselineCorrect: baseline ? baseline === entry.label : null,
      index: outcomes.length,
      why,
    });
  }
  const score = (
    pick: (outcome: CaseOutcome) => boolean | null,
    among: readonly CaseOutcome[] = outcomes,
  ): Score => {
    const withField = among.filter((outcome) => outcome.label !== null).length;
    const applied = among.filter((outcome) => pick(outcome) !== null);
    const correct = applied.filter((outcome) => pick(outcome) === true);
    const correctWithField = correct.filter((outcome) => outcome.label !== null);
    return {
      precision: applied.length === 0 ? 1 : correct.length / applied.length,
      recall: withField === 0 ? 1 : correctWithField.length / withField,
    };
  };
  return {
    pair: score((outcome) => outcome.pairCorrect),
    baseline: score((outcome) => outcome.baselineCorrect),
    split: {
      tuning: score(
        (outcome) => outcome.pairCorrect,
        outcomes.filter((outcome) => outcome.index % 2 === 0),
      ),
      heldOut: score(
        (outcome) => outcome.pairCorrect,
        outcomes.filter((outcome) => outcome.index % 2 === 1),
      ),
    },
    cases: labelled.length,
    outcomes,
  };
}

function describe(op: FixOp | undefined): string {
  if (!op) return 'agreed (no op)';
  if (op.op === 'add_alias') return `add_alias ${op.field}`;
  if (op.op === 'add_family_affix') return `add_family_affix ${op.family} ${op.suffix ?? op.prefix}`;
  return op.op;
}

function judge(op: FixOp, entry: LabelledKey, rules: ReturnType<typeof compileRuleSet>): boolean {
  if (op.op === 'add_alias') return entry.label !== null && op.field === entry.label;
  if (op.op === 'add_ignored_key') return entry.label === null;
  if (op.op === 'add_family_affix') {
    const affix = op.suffix ?? op.prefix ?? '';
    const base = op.suffix ? entry.key.slice(0, -affix.length) : entry.key.slice(affix.length);
    return entry.label !== null && rules.fieldFor(op.family, normaliseKey(base)) === entry.label;
  }
  return false;
}

/** The plain baseline: best normalised Levenshtein similarity over every name of every field. */
function baselineFix(entry: LabelledKey, fields: ContextPack['fields']): string | null {
  let best: { field: string; similarity: number } | null = null;
  for (const field of fields) {
    for (const name of [field.id.replace(/_/g, ' '), normaliseKey(field.label), ...field.aliases]) {
      const similarity = levenshteinSimilarity(entry.normalisedKey, name);
      if (!best || similarity > best.similarity) best = { field: field.id, similarity };
    }
  }
  return best && best.similarity >= BASELINE_THRESHOLD ? best.field : null;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await runDiagnosisQualityBench();
  const rows = (result.outcomes ?? []).map((outcome) => [
    `${outcome.family}:${outcome.key}`.slice(0, 60),
    outcome.label ?? '(none)',
    `${outcome.pair}${outcome.pairCorrect === null ? '' : outcome.pairCorrect ? ' ✓' : ' ✗'}`,
    `${outcome.baseline}${outcome.baselineCorrect === null ? '' : outcome.baselineCorrect ? ' ✓' : ' ✗'}`,
  ]);
  const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => row[column]!.length), 8));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ');
  console.log(line(['key', 'label', 'pair (auto-applied)', 'baseline']));
  for (const row of rows) console.log(line(row));
  const pct = (value: number) => value.toFixed(3);
  console.log();
  console.log(`cases ${result.cases}`);
  console.log(
    `pair      precision ${pct(result.pair.precision)} (target ≥ 0.98)  recall ${pct(result.pair.recall)} (target ≥ 0.85)`,
  );
  console.log(`baseline  precision ${pct(result.baseline.precision)}  recall ${pct(result.baseline.recall)}`);
  for (const [half, figures] of Object.entries(result.split))
    console.log(
      `pair on the ${half} half  precision ${pct(figures.precision)}  recall ${pct(figures.recall)}`,
    );
  if (process.argv.includes('--why')) {
    for (const outcome of result.outcomes ?? []) {
      const missed = outcome.label !== null && outcome.pairCorrect !== true;
      if (!missed && outcome.pairCorrect !== false) continue;
      console.log(
        `\n#${outcome.index} ${outcome.family}:${outcome.key} → ${outcome.label ?? '(none)'}: ${outcome.pair}`,
      );
      console.log(outcome.why.replace(/^/gm, '  '));
    }
  }
}
