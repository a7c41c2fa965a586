import type { RuleSet } from './rule-set-schema.ts';

/**
 * What changed between two rule set versions, section by section, for the reviewers and the
 * approver of a fix (DESIGN.md §2) and for the effects `applyFixOps` reports.
 *
 * Entries are matched by identity (a field by id, an alias by key and families, a value mapping
 * by field and source value…) through hash maps, so a diff of two default rule sets (≈2,500
 * picklist entries, ~400 fields) is linear; a section both versions share by reference — as
 * `applyFixOps` leaves every section it does not touch — is skipped outright.
 */

export interface RuleSetChange {
  /** The rule set section: `fields`, `unitAliases`, `picklists`…, or `document` for the name and schema version. */
  section: string;
  change: 'added' | 'removed' | 'changed';
  /** A readable name of what changed: `brand alias "mfg brand name"`, `unit alias "inches"`. */
  item: string;
  /** The entry or value before the change (absent when added). */
  before?: unknown;
  /** The entry or value after the change (absent when removed). */
  after?: unknown;
}

const SECTION_ORDER = [
  'document',
  'sourceFamilies',
  'fields',
  'ignoredKeys',
  'unitAliases',
  'valueMappings',
  'finishTerms',
  'categoryMappings',
  'picklistAliases',
  'fieldExclusions',
  'picklists',
  'categoryFilters',
  'examples',
] as const;
type Section = (typeof SECTION_ORDER)[number];

const CHANGE_ORDER: Record<RuleSetChange['change'], number> = { removed: 0, added: 1, changed: 2 };

/**
 * Structural equality that ignores object key order and properties set to `undefined`, so an
 * entry built in code and the same entry read back from storage are equal. Allocation-free apart
 * from key lists: this runs for every picklist entry of both versions.
 */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let index = 0; index < a.length; index += 1) if (!sameValue(a[index], b[index])) return false;
    return true;
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  let leftCount = 0;
  for (const key in left) {
    if (left[key] === undefined) continue;
    leftCount += 1;
    if (!sameValue(left[key], right[key])) return false;
  }
  let rightCount = 0;
  for (const key in right) if (right[key] !== undefined) rightCount += 1;
  return leftCount === rightCount;
}

const quote = (text: string) => JSON.stringify(text);
const familiesSuffix = (families: readonly string[] | undefined) =>
  families === undefined ? '' : ` in ${[...families].sort().join(', ')}`;
const familiesIdentity = (families: readonly string[] | undefined) =>
  families === undefined ? '*' : [...new Set(families)].sort().join(',');

type Emit = (change: RuleSetChange) => void;

/**
 * Diffs two lists of entries matched by `keyOf`. Entries with the same key are compared as
 * multisets, so duplicates and reordering are handled; one unmatched entry on each side is a
 * change (given to `onChanged` when a finer diff is wanted), anything else adds or removes.
 */
function diffKeyed<T>(
  before: readonly T[],
  after: readonly T[],
  keyOf: (entry: T) => string,
  itemOf: (entry: T) => string,
  emit: Emit,
  section: Section,
  onChanged?: (before: T, after: T) => void,
): void {
  if (before === after) return;
  const group = (entries: readonly T[]) => {
    const map = new Map<string, T[]>();
    for (const entry of entries) {
      const key = keyOf(entry);
      const list = map.get(key);
      if (list) list.push(entry);
      else map.set(key, [entry]);
    }
    return map;
  };
  const beforeByKey = group(before);
  const afterByKey = group(after);
  for (const [key, beforeList] of beforeByKey) {
    const afterList = afterByKey.get(key) ?? [];
    const unmatchedAfter = [...afterList];
    const unmatchedBefore: T[] = [];
    for (const entry of beforeList) {
      const index = unmatchedAfter.findIndex((candidate) => sameValue(entry, candidate));
      if (index === -1) unmatchedBefore.push(entry);
      else unmatchedAfter.splice(index, 1);
    }
    if (unmatchedBefore.length === 1 && unmatchedAfter.length === 1) {
      const [was, now] = [unmatchedBefore[0]!, unmatchedAfter[0]!];
      if (onChanged) onChanged(was, now);
      else emit({ section, change: 'changed', item: itemOf(now), before: was, after: now });
      continue;
    }
    for (const entry of unmatchedBefore)
      emit({ section, change: 'removed', item: itemOf(entry), before: entry });
    for (const entry of unmatchedAfter) emit({ section, change: 'added', item: itemOf(entry), after: entry });
  }
  for (const [key, afterList] of afterByKey) {
    if (beforeByKey.has(key)) continue;
    for (const entry of afterList) emit({ section, change: 'added', item: itemOf(entry), after: entry });
  }
}

/** Properties of two entries other than `skip`: each one that differs is a change of `item prefix + property`. */
function diffProperties(
  before: object,
  after: object,
  skip: ReadonlySet<string>,
  prefix: string,
  emit: Emit,
  section: Section,
): void {
  const was = before as Record<string, unknown>;
  const now = after as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(was), ...Object.keys(now)])].filter((key) => !skip.has(key));
  for (const key of keys.sort()) {
    const [a, b] = [was[key], now[key]];
    if (sameValue(a, b)) continue;
    const item = `${prefix} ${key}`;
    if (a === undefined) emit({ section, change: 'added', item, after: b });
    else if (b === undefined) emit({ section, change: 'removed', item, before: a });
    else emit({ section, change: 'changed', item, before: a, after: b });
  }
}

/** Two lists of strings as sets: each string in one only is added or removed. */
function diffStrings(
  before: readonly string[],
  after: readonly string[],
  itemOf: (value: string) => string,
  emit: Emit,
  section: Section,
): void {
  if (before === after) return;
  diffKeyed(before, after, (value) => value, itemOf, emit, section);
}

type Family = RuleSet['sourceFamilies'][number];
type Field = RuleSet['fields'][number];

const AFFIX_AND_ID = new Set(['id', 'suffixes', 'prefixes']);
const FIELD_LISTS_AND_ID = new Set(['id', 'aliases', 'enumValues']);

function diffFamily(before: Family, after: Family, emit: Emit): void {
  diffProperties(before, after, AFFIX_AND_ID, after.id, emit, 'sourceFamilies');
  const affixes = (family: Family, kind: 'suffixes' | 'prefixes') =>
    family.layout === 'flat' ? family[kind] : [];
  for (const [kind, word] of [
    ['suffixes', 'suffix'],
    ['prefixes', 'prefix'],
  ] as const) {
    diffStrings(
      affixes(before, kind),
      affixes(after, kind),
      (affix) => `${after.id} ${word} ${quote(affix)}`,
      emit,
      'sourceFamilies',
    );
  }
}

function diffField(before: Field, after: Field, emit: Emit): void {
  diffProperties(before, after, FIELD_LISTS_AND_ID, after.id, emit, 'fields');
  diffKeyed(
    before.aliases,
    after.aliases,
    (alias) => `${alias.key}|${familiesIdentity(alias.families)}`,
    (alias) => `${after.id} alias ${quote(alias.key)}${familiesSuffix(alias.families)}`,
    emit,
    'fields',
  );
  diffStrings(
    before.enumValues ?? [],
    after.enumValues ?? [],
    (value) => `${after.id} enum value ${quote(value)}`,
    emit,
    'fields',
  );
}

/**
 * A change as one readable line: `added brand alias "mfg brand name"`, and for a change whose
 * values are short, both of them: `changed unit alias "in" ("in" → "cm")`.
 */
export function describeChange(change: RuleSetChange): string {
  if (change.change === 'changed') {
    const [before, after] = [JSON.stringify(change.before), JSON.stringify(change.after)];
    if (before !== undefined && after !== undefined && before.length <= 80 && after.length <= 80) {
      return `changed ${change.item} (${before} → ${after})`;
    }
  }
  return `${change.change} ${change.item}`;
}

export function diffRuleSets(before: RuleSet, after: RuleSet): RuleSetChange[] {
  const changes: RuleSetChange[] = [];
  const emit: Emit = (change) => {
    changes.push(change);
  };
  if (before === after) return changes;

  for (const key of ['schemaVersion', 'name'] as const) {
    if (before[key] !== after[key])
      emit({ section: 'document', change: 'changed', item: key, before: before[key], after: after[key] });
  }

  diffKeyed(
    before.sourceFamilies,
    after.sourceFamilies,
    (family) => family.id,
    (family) => `family ${family.id}`,
    emit,
    'sourceFamilies',
    (was, now) => diffFamily(was, now, emit),
  );

  diffKeyed(
    before.fields,
    after.fields,
    (field) => field.id,
    (field) => `field ${field.id}`,
    emit,
    'fields',
    (was, now) => diffField(was, now, emit),
  );

  diffKeyed(
    before.ignoredKeys,
    after.ignoredKeys,
    (entry) => `${entry.key}|${familiesIdentity(entry.families)}`,
    (entry) => `ignored key ${quote(entry.key)}${familiesSuffix(entry.families)}`,
    emit,
    'ignoredKeys',
  );

  if (before.unitAliases !== after.unitAliases) {
    const spellings = [...new Set([...Object.keys(before.unitAliases), ...Object.keys(after.unitAliases)])];
    for (const spelling of spellings) {
      const [was, now] = [before.unitAliases[spelling], after.unitAliases[spelling]];
      if (was === now) continue;
      const item = `unit alias ${quote(spelling)}`;
      if (was === undefined) emit({ section: 'unitAliases', change: 'added', item, after: now });
      else if (now === undefined) emit({ section: 'unitAliases', change: 'removed', item, before: was });
      else emit({ section: 'unitAliases', change: 'changed', item, before: was, after: now });
    }
  }

  diffKeyed(
    before.valueMappings,
    after.valueMappings,
    (mapping) => `${mapping.field}|${mapping.from}`,
    (mapping) => `${mapping.field} value mapping ${quote(mapping.from)}`,
    emit,
    'valueMappings',
  );

  diffStrings(
    before.finishTerms,
    after.finishTerms,
    (term) => `finish term ${quote(term)}`,
    emit,
    'finishTerms',
  );

  diffKeyed(
    before.categoryMappings,
    after.categoryMappings,
    (mapping) => `${mapping.from}|${familiesIdentity(mapping.families)}`,
    (mapping) => `category mapping ${quote(mapping.from)}${familiesSuffix(mapping.families)}`,
    emit,
    'categoryMappings',
  );

  diffKeyed(
    before.picklistAliases,
    after.picklistAliases,
    (alias) => `${alias.picklist}|${alias.alias}`,
    (alias) => `${alias.picklist} picklist alias ${quote(alias.alias)}`,
    emit,
    'picklistAliases',
  );

  diffKeyed(
    before.fieldExclusions,
    after.fieldExclusions,
    (exclusion) => `${exclusion.categoryId}|${exclusion.field}|${familiesIdentity(exclusion.families)}`,
    (exclusion) =>
      `exclusion of ${exclusion.field}${familiesSuffix(exclusion.families).replace(' in ', ' from ')} in category ${exclusion.categoryId}`,
    emit,
    'fieldExclusions',
  );

  if (before.picklists !== after.picklists) {
    for (const list of ['brands', 'categories', 'styles', 'attributes'] as const) {
      const entries = (picklists: RuleSet['picklists']): readonly { id: string; name: string }[] =>
        picklists[list];
      diffKeyed(
        entries(before.picklists),
        entries(after.picklists),
        (entry) => entry.id,
        (entry) => `${list} entry ${entry.id} ${quote(entry.name)}`,
        emit,
        'picklists',
      );
    }
  }

  diffKeyed(
    before.categoryFilters,
    after.categoryFilters,
    (filter) => filter.name,
    (filter) => `category filter ${quote(filter.name)}`,
    emit,
    'categoryFilters',
  );

  diffKeyed(
    before.examples,
    after.examples,
    (example) => example.name,
    (example) => `example ${quote(example.name)}`,
    emit,
    'examples',
  );

  const sectionRank = new Map<string, number>(SECTION_ORDER.map((section, index) => [section, index]));
  return changes.sort(
    (a, b) =>
      (sectionRank.get(a.section) ?? 99) - (sectionRank.get(b.section) ?? 99) ||
      (a.item < b.item ? -1 : a.item > b.item ? 1 : 0) ||
      CHANGE_ORDER[a.change] - CHANGE_ORDER[b.change],
  );
}
