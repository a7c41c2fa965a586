import type { ContextPack } from '../diagnosticians/diagnostician.ts';
import type { Issue } from '../domain/issues/issue.ts';
import type { RuleSet } from '../domain/rule-set/rule-set-schema.ts';
import { compactValue } from '../domain/verification/normalise.ts';
import type { VerificationResult } from '../domain/verification/verify-record.ts';
import type { Db } from '../store/database.ts';
import type { HealRunRepository } from '../store/heal-run-repository.ts';
import { fieldOfOutputPath, valueAt } from './fix-trial.ts';

/**
 * The context pack of DESIGN.md §4: what both diagnosticians see of one signature, built from
 * stored jobs, bounded (samples of values, never whole payloads) and identical for both.
 */

const KEY_VALUES = 20;
const RELATED_KEYS = 40;
const FIELD_VALUES = 12;
const RESULT_SAMPLE = 300;
const FAMILY_KEYS = 200;
const FAMILY_RESULTS = 50;

/** Distinct values, most frequent first, at most `limit`. */
export function topValues(values: Iterable<string>, limit: number): string[] {
  const counts = new Map<string, number>();
  for (const value of values) {
    const text = value.trim().slice(0, 200);
    if (text !== '') counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([value]) => value);
}

export interface StoredSamples {
  /** Values each rule-set field carried in verified results of recent stored jobs. */
  readonly fieldValues: ReadonlyMap<string, readonly string[]>;
  /** Keys each source family supplied to those results (`manual` → `Brand_Manual`, ...). */
  readonly familyKeys: ReadonlyMap<string, readonly string[]>;
}

/** What recent verified results show: the values of each field and the keys of each family. */
export async function storedSamples(db: Db, rules: RuleSet, limit = RESULT_SAMPLE): Promise<StoredSamples> {
  const recent = await db
    .selectFrom('jobs')
    .select('result')
    .where('status', '=', 'completed')
    .where('result', 'is not', null)
    .orderBy('completed_at', 'desc')
    .limit(limit)
    .execute();
  const values = new Map<string, string[]>();
  for (const row of recent) {
    const result = JSON.parse(row.result ?? '{}') as VerificationResult;
    for (const path of Object.keys(result.Verity_Provenance ?? {})) {
      const field = fieldOfOutputPath(path);
      const value = valueAt(result, path);
      if (field === null || value === null || value === undefined || typeof value === 'object') continue;
      const list = values.get(field) ?? [];
      list.push(String(value));
      values.set(field, list);
    }
  }
  // Keys of each flat family, from results that family supplied (the most recent jobs need not
  // include any: a family renamed long ago is exactly the case to recognise).
  const keys = new Map<string, string[]>();
  for (const family of rules.sourceFamilies) {
    if (family.layout !== 'flat') continue;
    const rows = await db
      .selectFrom('jobs')
      .select('result')
      .where('status', '=', 'completed')
      .where('result', 'like', `%"family":"${family.id}"%`)
      .orderBy('completed_at', 'desc')
      .limit(FAMILY_RESULTS)
      .execute();
    const list: string[] = [];
    for (const row of rows) {
      const result = JSON.parse(row.result ?? '{}') as VerificationResult;
      for (const provenance of Object.values(result.Verity_Provenance ?? {})) {
        for (const source of provenance.sources) {
          // A flat family's path is the record's own key as spelled (`Brand_Manual`).
          if (source.family === family.id && /^[A-Za-z0-9_]+$/.test(source.path)) list.push(source.path);
        }
      }
    }
    keys.set(family.id, topValues(list, FAMILY_KEYS));
  }
  return {
    fieldValues: new Map([...values].map(([field, list]) => [field, topValues(list, FIELD_VALUES)])),
    familyKeys: keys,
  };
}

/** Picklist entries nearest to a value: shared compact prefix, then containment. */
function nearEntries(value: string, names: readonly string[]): string[] {
  const target = compactValue(value);
  const score = (name: string) => {
    const compact = compactValue(name);
    let prefix = 0;
    while (prefix < compact.length && compact[prefix] === target[prefix]) prefix += 1;
    const contains = compact.includes(target) || target.includes(compact) ? 3 : 0;
    return prefix + contains;
  };
  return names
    .map((name) => ({ name, score: score(name) }))
    .filter((entry) => entry.score >= 3)
    .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name))
    .slice(0, 8)
    .map((entry) => entry.name);
}

export async function buildContextPack(input: {
  readonly db: Db;
  readonly runs: HealRunRepository;
  readonly rules: RuleSet;
  readonly issue: Issue;
  readonly samples: StoredSamples;
}): Promise<ContextPack> {
  const { issue, rules, runs } = input;
  const carriers = await runs.issuesWithSignature(issue.signature, 500);
  const frequency = (await runs.frequencies([issue.signature])).get(issue.signature) ?? carriers.length;
  const keyValues = topValues(
    carriers.flatMap(({ issue: stored }) => (stored.value === undefined ? [] : [stored.value])),
    KEY_VALUES,
  );

  // Other unmapped keys of the same jobs: a renamed family shows as many keys with one affix.
  const related = new Map<
    string,
    { family: string; key: string; normalisedKey: string; jobs: Set<string>; values: string[] }
  >();
  const jobIds = carriers.map((carrier) => carrier.jobId).slice(0, 200);
  for (const { jobId, issue: other } of await input.runs.issuesOfJobs(jobIds, 'unmapped_key')) {
    if (other.signature === issue.signature || other.key === undefined || other.family === undefined)
      continue;
    const entry = related.get(other.signature) ?? {
      family: other.family,
      key: other.key,
      normalisedKey: other.normalisedKey ?? other.key,
      jobs: new Set<string>(),
      values: [],
    };
    entry.jobs.add(jobId);
    if (other.value !== undefined) entry.values.push(other.value);
    related.set(other.signature, entry);
  }
  const relatedKeys = [...related.values()]
    .sort((a, b) => b.jobs.size - a.jobs.size || a.normalisedKey.localeCompare(b.normalisedKey))
    .slice(0, RELATED_KEYS)
    .map((entry) => ({
      family: entry.family,
      key: entry.key,
      normalisedKey: entry.normalisedKey,
      jobs: entry.jobs.size,
      values: topValues(entry.values, 5),
    }));

  const fields = rules.fields.map((field) => ({
    id: field.id,
    label: field.label,
    type: field.type,
    ...(field.unit ? { unit: field.unit } : {}),
    aliases: field.aliases.map((alias) => alias.key),
    values: input.samples.fieldValues.get(field.id) ?? [],
  }));
  const families = rules.sourceFamilies.map((family) => ({
    id: family.id,
    label: family.label,
    layout: family.layout,
    suffixes: family.layout === 'flat' ? family.suffixes : [],
    prefixes: family.layout === 'flat' ? family.prefixes : [],
    keys: family.layout === 'flat' ? (input.samples.familyKeys.get(family.id) ?? []) : [family.field],
  }));

  let picklist: ContextPack['picklist'];
  if (issue.type === 'picklist_miss' && issue.picklist && issue.value) {
    const names =
      issue.picklist === 'brand'
        ? rules.picklists.brands.map((entry) => entry.name)
        : issue.picklist === 'category'
          ? rules.picklists.categories.map((entry) => entry.name)
          : rules.picklists.styles.map((entry) => entry.name);
    picklist = { name: issue.picklist, near: nearEntries(issue.value, names), cooccurring: [] };
  }

  // Excerpts: only the values this issue is about, never whole payloads.
  const samples = carriers.slice(0, 3).map((carrier) => ({
    jobId: carrier.jobId,
    excerpt: carrier.issue.key ? { [carrier.issue.key]: carrier.issue.value ?? null } : {},
  }));

  return {
    issue,
    frequency,
    keyValues,
    relatedKeys,
    fields,
    families,
    ...(picklist ? { picklist } : {}),
    samples,
  };
}
