import type { AttemptOutcome, ContextPack, FinalSummary } from '../diagnostician.ts';

/**
 * What one call sends is bounded (DESIGN.md §4): samples of values, never whole payloads, and a
 * token budget per call. Tokens are estimated at four characters each (OpenAI's rule of thumb
 * for English and JSON); the provider's own count comes back with the answer and is what is
 * billed and recorded. Each level trims more; the first level that fits is sent.
 */

export const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

interface Limits {
  /** Fields sent (the most relevant first; a rule set has hundreds). */
  readonly fields: number;
  readonly values: number;
  readonly related: number;
  readonly relatedValues: number;
  readonly fieldValues: number;
  readonly aliases: number;
  readonly familyKeys: number;
  readonly samples: number;
  readonly changes: number;
  readonly text: number;
}

export const LEVELS: readonly Limits[] = [
  {
    fields: 1000,
    values: 20,
    related: 40,
    relatedValues: 5,
    fieldValues: 12,
    aliases: 30,
    familyKeys: 60,
    samples: 3,
    changes: 40,
    text: 200,
  },
  {
    fields: 120,
    values: 10,
    related: 20,
    relatedValues: 3,
    fieldValues: 6,
    aliases: 12,
    familyKeys: 30,
    samples: 2,
    changes: 20,
    text: 120,
  },
  {
    fields: 60,
    values: 5,
    related: 10,
    relatedValues: 2,
    fieldValues: 3,
    aliases: 6,
    familyKeys: 12,
    samples: 1,
    changes: 10,
    text: 80,
  },
  {
    fields: 30,
    values: 3,
    related: 5,
    relatedValues: 1,
    fieldValues: 1,
    aliases: 3,
    familyKeys: 5,
    samples: 0,
    changes: 5,
    text: 60,
  },
];

const cut = (text: string, limit: number) => (text.length > limit ? `${text.slice(0, limit)}…` : text);

function cutValue(value: unknown, limit: number): unknown {
  if (typeof value === 'string') return cut(value, limit);
  if (Array.isArray(value)) return value.slice(0, 10).map((item) => cutValue(item, limit));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .slice(0, 20)
        .map(([key, child]) => [key, cutValue(child, limit)]),
    );
  }
  return value;
}

const words = (text: string) =>
  text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length >= 2);

/**
 * The fields most relevant to the issue, in rule-set order: fields an op under discussion names,
 * then fields whose id or label shares a word with the issue's key or a related key, then fields
 * with values or aliases to compare against; the rest only when the budget allows.
 */
function relevantFields(pack: ContextPack, count: number, mentioned: ReadonlySet<string>) {
  if (pack.fields.length <= count) return pack.fields;
  const issueWords = new Set(
    [pack.issue.key ?? '', pack.issue.value ?? '', ...pack.relatedKeys.map((related) => related.key)].flatMap(
      words,
    ),
  );
  const score = (field: ContextPack['fields'][number]) =>
    (mentioned.has(field.id) ? 100 : 0) +
    (words(`${field.id} ${field.label}`).some((word) => issueWords.has(word)) ? 10 : 0) +
    (field.values.length > 0 ? 2 : 0) +
    (field.aliases.length > 0 ? 1 : 0);
  const kept = new Set(
    pack.fields
      .map((field, index) => ({ field, index, score: score(field) }))
      .sort((a, b) => b.score - a.score || a.index - b.index)
      .slice(0, count)
      .map((entry) => entry.field.id),
  );
  return pack.fields.filter((field) => kept.has(field.id));
}

/** The pack within `limits`; `mentioned` fields (named by ops under discussion) are always kept. */
export function boundPack(
  pack: ContextPack,
  limits: Limits,
  mentioned: ReadonlySet<string> = new Set(),
): ContextPack {
  const texts = (values: readonly string[], count: number) =>
    values.slice(0, count).map((value) => cut(value, limits.text));
  return {
    ...pack,
    keyValues: texts(pack.keyValues, limits.values),
    relatedKeys: pack.relatedKeys.slice(0, limits.related).map((related) => ({
      ...related,
      values: texts(related.values, limits.relatedValues),
    })),
    fields: relevantFields(pack, limits.fields, mentioned).map((field) => ({
      ...field,
      aliases: field.aliases.slice(0, limits.aliases),
      values: texts(field.values, limits.fieldValues),
    })),
    families: pack.families.map((family) => ({ ...family, keys: family.keys.slice(0, limits.familyKeys) })),
    ...(pack.picklist
      ? {
          picklist: {
            ...pack.picklist,
            near: pack.picklist.near.slice(0, limits.values),
            cooccurring: pack.picklist.cooccurring.slice(0, limits.values),
          },
        }
      : {}),
    samples: pack.samples.slice(0, limits.samples).map((sample) => ({
      jobId: sample.jobId,
      excerpt: cutValue(sample.excerpt, limits.text) as Record<string, unknown>,
    })),
  };
}

export function boundOutcome(outcome: AttemptOutcome, limits: Limits): AttemptOutcome {
  return {
    ...outcome,
    regressions: outcome.regressions.slice(0, limits.changes).map((regression) => ({
      ...regression,
      before: cutValue(regression.before, limits.text),
      after: cutValue(regression.after, limits.text),
    })),
    changes: outcome.changes.slice(0, limits.changes).map((change) => ({
      ...change,
      before: cutValue(change.before, limits.text),
      after: cutValue(change.after, limits.text),
    })),
  };
}

export function boundSummary(summary: FinalSummary, limits: Limits): FinalSummary {
  return {
    ...summary,
    diff: summary.diff.slice(0, limits.changes).map((line) => cut(line, limits.text)),
    sampleChanges: boundOutcome(
      { ops: [], signatureGone: true, regressions: [], changes: summary.sampleChanges },
      limits,
    ).changes,
  };
}
