import { compactValue, normaliseKey } from '../verification/normalise.ts';
import type { CanonicalUnit, UnitAliases } from '../verification/values/units.ts';
import type { FieldDefinition, PicklistName, RuleSet, SourceFamily } from './rule-set-schema.ts';

/**
 * A rule set turned into lookup tables for the engine. Compiling also finds conflicts (one key
 * aliased to two fields, a mapping cycle, a reference to an unknown field or picklist entry):
 * a rule set with conflicts does not compile, which is the "syntax validation" of a fix.
 */

export interface PicklistEntry {
  readonly id: string;
  readonly name: string;
}
export interface CategoryEntry extends PicklistEntry {
  readonly department: string;
  readonly family: string;
}
export type CategoryFilter = RuleSet['categoryFilters'][number];

interface AliasTarget {
  readonly field: string;
  readonly families: ReadonlySet<string> | null;
}

export interface CompiledRuleSet {
  readonly version: number;
  readonly rules: RuleSet;
  readonly families: readonly SourceFamily[];
  readonly familyById: ReadonlyMap<string, SourceFamily>;
  /** Payload field → list or HTML family reading it. */
  readonly structuredFamilyByField: ReadonlyMap<string, SourceFamily>;
  /** The flat family with neither suffix nor prefix: the record's own fields. */
  readonly recordFamily: SourceFamily;
  readonly fieldById: ReadonlyMap<string, FieldDefinition>;
  readonly unitAliases: UnitAliases;
  readonly finishTerms: readonly string[];
  readonly filtersByCategoryId: ReadonlyMap<string, CategoryFilter>;
  fieldFor(family: string, key: string): string | null;
  isIgnored(family: string, key: string): boolean;
  mapValue(field: string, value: string): string | null;
  matchPicklist(picklist: 'brand' | 'style' | 'attribute', value: string): PicklistEntry | null;
  matchCategory(value: string, family: string): CategoryEntry | null;
  isExcluded(categoryId: string, field: string, family: string): boolean;
}

export class RuleSetCompileError extends Error {
  readonly code = 'RULE_SET_INVALID';
  readonly retryable = false;
  constructor(readonly problems: readonly string[]) {
    super(`rule set does not compile: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; …' : ''}`);
  }
}

function overlaps(a: ReadonlySet<string> | null, b: ReadonlySet<string> | null): boolean {
  if (a === null || b === null) return true;
  for (const item of a) if (b.has(item)) return true;
  return false;
}

function familySet(families: readonly string[] | undefined): ReadonlySet<string> | null {
  return families === undefined ? null : new Set(families);
}

export function compileRuleSet(rules: RuleSet, version: number): CompiledRuleSet {
  const problems: string[] = [];

  const familyById = new Map<string, SourceFamily>();
  for (const family of rules.sourceFamilies) {
    if (familyById.has(family.id)) problems.push(`source family ${family.id} is defined twice`);
    familyById.set(family.id, family);
  }
  const knownFamily = (id: string, where: string) => {
    if (!familyById.has(id)) problems.push(`${where} names unknown source family ${id}`);
  };
  const recordFamilies = rules.sourceFamilies.filter(
    (family) => family.layout === 'flat' && family.suffixes.length === 0 && family.prefixes.length === 0,
  );
  if (recordFamilies.length !== 1) {
    problems.push(
      `exactly one flat family without suffix or prefix is needed, found ${recordFamilies.length}`,
    );
  }
  const structuredFamilyByField = new Map<string, SourceFamily>();
  for (const family of rules.sourceFamilies) {
    if (family.layout === 'flat') continue;
    if (structuredFamilyByField.has(family.field))
      problems.push(`payload field ${family.field} has two families`);
    structuredFamilyByField.set(family.field, family);
  }
  const affixOwner = new Map<string, string>();
  for (const family of rules.sourceFamilies) {
    if (family.layout !== 'flat') continue;
    for (const affix of [...family.suffixes.map((s) => `s:${s}`), ...family.prefixes.map((p) => `p:${p}`)]) {
      const owner = affixOwner.get(affix.toLowerCase());
      if (owner && owner !== family.id)
        problems.push(`affix ${affix.slice(2)} belongs to ${owner} and ${family.id}`);
      affixOwner.set(affix.toLowerCase(), family.id);
    }
  }

  const fieldById = new Map<string, FieldDefinition>();
  for (const field of rules.fields) {
    if (fieldById.has(field.id)) problems.push(`field ${field.id} is defined twice`);
    fieldById.set(field.id, field);
  }
  const knownField = (id: string, where: string) => {
    if (!fieldById.has(id)) problems.push(`${where} names unknown field ${id}`);
  };

  // Aliases: a field's own label is an implicit alias in every family.
  const aliasIndex = new Map<string, AliasTarget[]>();
  const addAlias = (key: string, target: AliasTarget, explicit: boolean) => {
    const targets = aliasIndex.get(key) ?? [];
    for (const existing of targets) {
      if (existing.field === target.field) continue;
      if (overlaps(existing.families, target.families)) {
        problems.push(
          `key "${key}" is aliased to both ${existing.field} and ${target.field}${explicit ? '' : ' (field label)'}`,
        );
      }
    }
    targets.push(target);
    aliasIndex.set(key, targets);
  };
  for (const field of rules.fields) {
    addAlias(normaliseKey(field.label), { field: field.id, families: null }, false);
  }
  for (const field of rules.fields) {
    for (const alias of field.aliases) {
      for (const family of alias.families ?? []) knownFamily(family, `alias ${alias.key} of ${field.id}`);
      const target = { field: field.id, families: familySet(alias.families) };
      const existing = aliasIndex.get(alias.key)?.find((t) => t.field === field.id);
      if (existing && existing.families === null) continue;
      addAlias(alias.key, target, true);
    }
  }

  const ignored = new Map<string, ReadonlySet<string> | null>();
  for (const entry of rules.ignoredKeys) {
    for (const family of entry.families ?? []) knownFamily(family, `ignored key ${entry.key}`);
    const previous = ignored.get(entry.key);
    const families = familySet(entry.families);
    // Entries for the same key add up: any family list merges, and "every family" wins.
    ignored.set(
      entry.key,
      previous === undefined
        ? families
        : previous === null || families === null
          ? null
          : new Set([...previous, ...families]),
    );
  }

  const valueMaps = new Map<string, Map<string, string>>();
  for (const mapping of rules.valueMappings) {
    knownField(mapping.field, `value mapping ${mapping.from}`);
    const map = valueMaps.get(mapping.field) ?? new Map<string, string>();
    const from = compactValue(mapping.from);
    const previous = map.get(from);
    if (previous !== undefined && previous !== mapping.to) {
      problems.push(`value ${mapping.from} of ${mapping.field} maps to both ${previous} and ${mapping.to}`);
    }
    map.set(from, mapping.to);
    valueMaps.set(mapping.field, map);
  }
  for (const [field, map] of valueMaps) {
    for (const [from, to] of map) {
      // A mapping to its own normalised form is a spelling fix (`gray` → `Gray`) and ends a chain;
      // it is not a cycle.
      const seen = new Set([from]);
      let current = from;
      let next = compactValue(to);
      while (next !== current && map.has(next)) {
        if (seen.has(next)) {
          problems.push(`value mappings of ${field} form a cycle through ${from}`);
          break;
        }
        seen.add(next);
        current = next;
        next = compactValue(map.get(next) ?? '');
      }
    }
  }

  const picklistIndex = (entries: readonly PicklistEntry[]) => {
    const index = new Map<string, PicklistEntry>();
    for (const entry of entries) {
      const key = compactValue(entry.name);
      if (!index.has(key)) index.set(key, entry); // file order decides duplicates, as Salesforce lists them
    }
    return index;
  };
  const brands = picklistIndex(rules.picklists.brands);
  const styles = picklistIndex(rules.picklists.styles);
  const attributes = picklistIndex(rules.picklists.attributes);
  // Salesforce has categories that share a normalised name: "Lamps #" twice, "Cabinet Hardware #"
  // twice, "Outdoor Lighting" and "Outdoor Lighting #". A name resolves to the entry spelled exactly
  // so, then to the entry whose id the curated filter attributes use (so the record gets its Top-15),
  // then to file order. File order alone gave "Lamps #" the id that has no filter attributes.
  const filteredCategoryIds = new Set(rules.categoryFilters.map((filter) => filter.categoryId));
  const categoriesByKey = new Map<string, CategoryEntry[]>();
  for (const category of rules.picklists.categories) {
    const key = compactValue(category.name);
    categoriesByKey.set(key, [...(categoriesByKey.get(key) ?? []), category]);
  }
  const resolveCategory = (name: string): CategoryEntry | undefined => {
    const list = categoriesByKey.get(compactValue(name));
    if (!list) return undefined;
    const spelling = name.trim().toLowerCase();
    const spelled = list.filter((entry) => entry.name.trim().toLowerCase() === spelling);
    const preferred = spelled.length > 0 ? spelled : list;
    return preferred.find((entry) => filteredCategoryIds.has(entry.id)) ?? preferred[0];
  };
  const categories = new Map<string, CategoryEntry>();
  for (const [key, list] of categoriesByKey)
    categories.set(key, list.find((entry) => filteredCategoryIds.has(entry.id)) ?? list[0]!);
  const picklistByName: Record<PicklistName, Map<string, PicklistEntry>> = {
    brand: brands,
    style: styles,
    attribute: attributes,
    category: categories,
  };
  const picklistAliases: Record<PicklistName, Map<string, PicklistEntry>> = {
    brand: new Map(),
    style: new Map(),
    attribute: new Map(),
    category: new Map(),
  };
  for (const alias of rules.picklistAliases) {
    const target =
      alias.picklist === 'category'
        ? resolveCategory(alias.to)
        : picklistByName[alias.picklist].get(compactValue(alias.to));
    if (!target) {
      problems.push(
        `picklist alias ${alias.alias} points at ${alias.to}, not in the ${alias.picklist} picklist`,
      );
      continue;
    }
    const key = compactValue(alias.alias);
    const direct = picklistByName[alias.picklist].get(key);
    if (direct && direct.id !== target.id) {
      problems.push(`picklist alias ${alias.alias} shadows the ${alias.picklist} entry ${direct.name}`);
    }
    const previous = picklistAliases[alias.picklist].get(key);
    if (previous && previous.id !== target.id) {
      problems.push(`picklist alias ${alias.alias} points at both ${previous.name} and ${target.name}`);
    }
    picklistAliases[alias.picklist].set(key, target);
  }

  const categoryMappings = new Map<string, { families: ReadonlySet<string> | null; to: CategoryEntry }[]>();
  for (const mapping of rules.categoryMappings) {
    for (const family of mapping.families ?? []) knownFamily(family, `category mapping ${mapping.from}`);
    const to = resolveCategory(mapping.to);
    if (!to) {
      problems.push(`category mapping ${mapping.from} points at ${mapping.to}, not in the category picklist`);
      continue;
    }
    const key = compactValue(mapping.from);
    const list = categoryMappings.get(key) ?? [];
    const families = familySet(mapping.families);
    for (const existing of list) {
      if (existing.to.id !== to.id && overlaps(existing.families, families)) {
        problems.push(`category text ${mapping.from} maps to both ${existing.to.name} and ${to.name}`);
      }
    }
    list.push({ families, to });
    categoryMappings.set(key, list);
  }

  const filtersByCategoryId = new Map<string, CategoryFilter>();
  for (const filter of rules.categoryFilters) {
    for (const attribute of filter.attributes)
      knownField(attribute.field, `filter attribute of ${filter.name}`);
    if (!filtersByCategoryId.has(filter.categoryId)) filtersByCategoryId.set(filter.categoryId, filter);
  }

  const exclusions = new Map<string, Set<string>>();
  for (const exclusion of rules.fieldExclusions) {
    knownField(exclusion.field, 'field exclusion');
    for (const family of exclusion.families) {
      knownFamily(family, 'field exclusion');
      const key = `${exclusion.categoryId}|${exclusion.field}`;
      const set = exclusions.get(key) ?? new Set<string>();
      set.add(family);
      exclusions.set(key, set);
    }
  }

  const unitAliases: Record<string, CanonicalUnit> = {};
  for (const [spelling, unit] of Object.entries(rules.unitAliases))
    unitAliases[spelling.toLowerCase()] = unit;

  if (problems.length > 0) throw new RuleSetCompileError(problems);

  const families = [...rules.sourceFamilies].sort(
    (a, b) => b.priority - a.priority || a.id.localeCompare(b.id),
  );

  return {
    version,
    rules,
    families,
    familyById,
    structuredFamilyByField,
    recordFamily: recordFamilies[0]!,
    fieldById,
    unitAliases,
    finishTerms: rules.finishTerms,
    filtersByCategoryId,
    fieldFor(family, key) {
      const targets = aliasIndex.get(key);
      if (!targets) return null;
      const specific = targets.find((target) => target.families?.has(family));
      if (specific) return specific.field;
      return targets.find((target) => target.families === null)?.field ?? null;
    },
    isIgnored(family, key) {
      if (!ignored.has(key)) return false;
      const families = ignored.get(key);
      return families === null || families === undefined || families.has(family);
    },
    mapValue(field, value) {
      return valueMaps.get(field)?.get(compactValue(value)) ?? null;
    },
    matchPicklist(picklist, value) {
      const key = compactValue(value);
      if (key === '') return null;
      return picklistByName[picklist].get(key) ?? picklistAliases[picklist].get(key) ?? null;
    },
    matchCategory(value, family) {
      const key = compactValue(value);
      if (key === '') return null;
      const mapped = categoryMappings.get(key);
      const byFamily =
        mapped?.find((mapping) => mapping.families?.has(family)) ?? mapped?.find((m) => !m.families);
      if (byFamily) return byFamily.to;
      return (
        resolveCategory(value) ?? (picklistAliases.category.get(key) as CategoryEntry | undefined) ?? null
      );
    },
    isExcluded(categoryId, field, family) {
      return exclusions.get(`${categoryId}|${field}`)?.has(family) ?? false;
    },
  };
}
