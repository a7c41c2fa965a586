import { compactValue, normaliseKey } from '../verification/normalise.ts';
import { UNIT_DIMENSION } from '../verification/values/units.ts';
import { describeChange, diffRuleSets } from './diff-rule-sets.ts';
import { type FixOp, fixOpSchema } from './fix-ops.ts';
import { type FieldDefinition, type RuleSet, rulesSchema } from './rule-set-schema.ts';

/**
 * Applying a fix: its operations, in order, on a rule set (DESIGN.md §2 "Fixes are data, not
 * code"). Apply is pure — the input is never changed; every section an op touches is copied and
 * every other section is shared with the input — deterministic, and idempotent: an op whose
 * effect is already in the rule set is a no-op, reported as "already present". A fix applies
 * whole or not at all: one rejected op rejects it, with every problem found.
 *
 * Apply checks what one op can know (the field exists, the affix is free); whether the whole
 * result is consistent (one key aliased to two fields, a mapping cycle) is `validateRuleSet`'s.
 */

export type ApplyResult =
  | { status: 'applied'; rules: RuleSet; effects: readonly string[] }
  | { status: 'rejected'; problems: readonly string[] };

/** The prefix of the effect of an op that changed nothing. */
export const ALREADY_PRESENT = 'already present';

type OpResult =
  | { kind: 'changed'; rules: RuleSet }
  | { kind: 'present'; note?: string }
  | { kind: 'rejected'; problems: string[] };

const changed = (rules: RuleSet): OpResult => ({ kind: 'changed', rules });
const present = (note?: string): OpResult =>
  note === undefined ? { kind: 'present' } : { kind: 'present', note };
const rejected = (...problems: string[]): OpResult => ({ kind: 'rejected', problems });

const quote = (text: string) => JSON.stringify(text);
const plain = (text: string) => text.replace(/\s+/g, ' ').trim();
const unique = (list: readonly string[]) => [...new Set(list)];

/** Does an entry for `families` (absent: every family) already cover `wanted`? */
function covers(families: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  if (families === undefined) return true;
  if (wanted === undefined) return false;
  return wanted.every((family) => families.includes(family));
}

/** Entries for one key add up (the compiler merges them): do they, together, cover `wanted`? */
function coveredTogether(
  entries: readonly { families?: readonly string[] | undefined }[],
  wanted: readonly string[] | undefined,
): boolean {
  if (entries.some((entry) => entry.families === undefined)) return true;
  if (wanted === undefined) return false;
  const union = new Set(entries.flatMap((entry) => entry.families ?? []));
  return wanted.every((family) => union.has(family));
}

function normalised(spelling: string, what: string): { key: string } | { problem: string } {
  const key = normaliseKey(spelling);
  return key === '' ? { problem: `${what} ${quote(spelling)} has no letters or digits` } : { key };
}

function unknownFamilies(rules: RuleSet, families: readonly string[] | undefined): string[] {
  const known = new Set(rules.sourceFamilies.map((family) => family.id));
  return (families ?? [])
    .filter((family) => !known.has(family))
    .map((family) => `unknown source family ${family}`);
}

function fieldIndex(rules: RuleSet, id: string): number {
  return rules.fields.findIndex((field) => field.id === id);
}

function withField(rules: RuleSet, index: number, field: FieldDefinition): RuleSet {
  const fields = [...rules.fields];
  fields[index] = field;
  return { ...rules, fields };
}

/** `families` without duplicates, or nothing when absent (absent means every family). */
const familiesPart = (families: readonly string[] | undefined) =>
  families === undefined ? {} : { families: unique(families) };

function applyOne(rules: RuleSet, op: FixOp): OpResult {
  switch (op.op) {
    case 'add_alias': {
      const index = fieldIndex(rules, op.field);
      const problems = [
        ...(index === -1 ? [`unknown field ${op.field}`] : []),
        ...unknownFamilies(rules, op.families),
      ];
      const key = normalised(op.key, 'alias');
      if ('problem' in key) problems.push(key.problem);
      if (problems.length > 0 || 'problem' in key) return rejected(...problems);
      const field = rules.fields[index]!;
      // The field's label is an alias in every family already (see compileRuleSet).
      if (normaliseKey(field.label) === key.key) return present(`the label of ${field.id}`);
      const same = field.aliases.filter((alias) => alias.key === key.key);
      if (same.some((alias) => covers(alias.families, op.families))) return present();
      return changed(
        withField(rules, index, {
          ...field,
          aliases: [...field.aliases, { key: key.key, ...familiesPart(op.families) }],
        }),
      );
    }

    case 'add_family_affix': {
      const family = rules.sourceFamilies.find((candidate) => candidate.id === op.family);
      if (!family) return rejected(`unknown source family ${op.family}`);
      if (family.layout !== 'flat') {
        return rejected(
          `source family ${family.id} is not flat (layout ${family.layout}); only flat families have suffixes and prefixes`,
        );
      }
      if (family.suffixes.length === 0 && family.prefixes.length === 0) {
        return rejected(
          `source family ${family.id} holds the record's own fields; an affix would leave the rule set without such a family`,
        );
      }
      const kind = op.suffix !== undefined ? 'suffixes' : 'prefixes';
      const word = kind === 'suffixes' ? 'suffix' : 'prefix';
      const affix = (op.suffix ?? op.prefix)!;
      const lower = affix.toLowerCase();
      // Affixes match case-insensitively (flattenRecord), so `_legacy` and `_Legacy` are one affix.
      const owner = rules.sourceFamilies.find(
        (other) => other.layout === 'flat' && other[kind].some((known) => known.toLowerCase() === lower),
      );
      if (owner && owner.id !== family.id)
        return rejected(`${word} ${quote(affix)} already belongs to source family ${owner.id}`);
      if (owner) return present();
      const sourceFamilies = rules.sourceFamilies.map((candidate) =>
        candidate === family ? { ...family, [kind]: [...family[kind], affix] } : candidate,
      );
      return changed({ ...rules, sourceFamilies });
    }

    case 'add_picklist_alias': {
      const alias = normalised(op.alias, 'picklist alias');
      if ('problem' in alias) return rejected(alias.problem);
      // Whether `to` is in the picklist, and whether the alias shadows an entry, is the compiler's
      // to say (it resolves names exactly as verification does).
      const target = compactValue(op.to);
      const exists = rules.picklistAliases.some(
        (entry) =>
          entry.picklist === op.picklist && entry.alias === alias.key && compactValue(entry.to) === target,
      );
      if (exists) return present();
      return changed({
        ...rules,
        picklistAliases: [...rules.picklistAliases, { picklist: op.picklist, alias: alias.key, to: op.to }],
      });
    }

    case 'add_category_mapping': {
      const from = normalised(op.from, 'category text');
      const problems = unknownFamilies(rules, op.families);
      if ('problem' in from) problems.push(from.problem);
      if (problems.length > 0 || 'problem' in from) return rejected(...problems);
      const target = compactValue(op.to);
      const exists = rules.categoryMappings.some(
        (mapping) =>
          mapping.from === from.key &&
          compactValue(mapping.to) === target &&
          covers(mapping.families, op.families),
      );
      if (exists) return present();
      return changed({
        ...rules,
        categoryMappings: [
          ...rules.categoryMappings,
          { from: from.key, ...familiesPart(op.families), to: op.to },
        ],
      });
    }

    case 'add_value_mapping': {
      const from = normalised(op.from, 'value');
      const problems = fieldIndex(rules, op.field) === -1 ? [`unknown field ${op.field}`] : [];
      if ('problem' in from) problems.push(from.problem);
      if (problems.length > 0 || 'problem' in from) return rejected(...problems);
      const exists = rules.valueMappings.some(
        (mapping) => mapping.field === op.field && mapping.from === from.key && mapping.to === op.to,
      );
      if (exists) return present();
      return changed({
        ...rules,
        valueMappings: [...rules.valueMappings, { field: op.field, from: from.key, to: op.to }],
      });
    }

    case 'add_enum_value': {
      const index = fieldIndex(rules, op.field);
      if (index === -1) return rejected(`unknown field ${op.field}`);
      const field = rules.fields[index]!;
      const values = field.enumValues ?? [];
      // Enum values match in compact form, so `Gu24` is the value `GU24` already listed.
      const known = values.find((value) => compactValue(value) === compactValue(op.value));
      if (known !== undefined) return present(known === op.value ? undefined : `as ${quote(known)}`);
      return changed(withField(rules, index, { ...field, enumValues: [...values, op.value] }));
    }

    case 'add_unit_alias': {
      const spelling = op.spelling.toLowerCase();
      const known = Object.entries(rules.unitAliases).find(([key]) => key.toLowerCase() === spelling);
      if (known && known[1] !== op.unit)
        return rejected(`unit spelling ${quote(spelling)} already means ${known[1]}`);
      if (known) return present();
      return changed({ ...rules, unitAliases: { ...rules.unitAliases, [spelling]: op.unit } });
    }

    case 'add_ignored_key': {
      const key = normalised(op.key, 'key');
      const problems = unknownFamilies(rules, op.families);
      if ('problem' in key) problems.push(key.problem);
      if (problems.length > 0 || 'problem' in key) return rejected(...problems);
      const same = rules.ignoredKeys.filter((entry) => entry.key === key.key);
      if (same.length > 0 && coveredTogether(same, op.families)) return present();
      return changed({
        ...rules,
        ignoredKeys: [
          ...rules.ignoredKeys,
          { key: key.key, ...familiesPart(op.families), reason: op.reason },
        ],
      });
    }

    case 'add_field': {
      const existing = rules.fields.find((field) => field.id === op.field.id);
      if (existing) {
        if (JSON.stringify(existing) === JSON.stringify(op.field)) return present();
        return rejected(`field ${op.field.id} already exists`);
      }
      const problems = unique(op.field.aliases.flatMap((alias) => unknownFamilies(rules, alias.families)));
      if (problems.length > 0) return rejected(...problems);
      return changed({ ...rules, fields: [...rules.fields, op.field] });
    }

    case 'set_constraint': {
      const index = fieldIndex(rules, op.field);
      if (index === -1) return rejected(`unknown field ${op.field}`);
      if (op.min === undefined && op.max === undefined)
        return rejected(`set_constraint of ${op.field} sets neither min nor max`);
      const field = rules.fields[index]!;
      const constraints = {
        ...field.constraints,
        ...(op.min === undefined ? {} : { min: op.min }),
        ...(op.max === undefined ? {} : { max: op.max }),
      };
      if (
        constraints.min !== undefined &&
        constraints.max !== undefined &&
        constraints.min > constraints.max
      ) {
        return rejected(
          `constraint of ${op.field} would have min ${constraints.min} above max ${constraints.max}`,
        );
      }
      if (field.constraints?.min === constraints.min && field.constraints?.max === constraints.max)
        return present();
      return changed(withField(rules, index, { ...field, constraints }));
    }

    case 'add_field_exclusion': {
      const problems = [
        ...(fieldIndex(rules, op.field) === -1 ? [`unknown field ${op.field}`] : []),
        ...unknownFamilies(rules, op.families),
        ...(rules.picklists.categories.some((category) => category.id === op.categoryId)
          ? []
          : [`unknown category ${op.categoryId}`]),
      ];
      if (problems.length > 0) return rejected(...problems);
      const same = rules.fieldExclusions.filter(
        (exclusion) => exclusion.categoryId === op.categoryId && exclusion.field === op.field,
      );
      if (same.length > 0 && coveredTogether(same, op.families)) return present();
      return changed({
        ...rules,
        fieldExclusions: [
          ...rules.fieldExclusions,
          { categoryId: op.categoryId, field: op.field, families: unique(op.families), reason: op.reason },
        ],
      });
    }

    case 'remove_alias': {
      const index = fieldIndex(rules, op.field);
      const key = normalised(op.key, 'alias');
      const problems = index === -1 ? [`unknown field ${op.field}`] : [];
      if ('problem' in key) problems.push(key.problem);
      if (problems.length > 0 || 'problem' in key) return rejected(...problems);
      const field = rules.fields[index]!;
      const aliases = field.aliases.filter((alias) => alias.key !== key.key);
      if (aliases.length === field.aliases.length) {
        const label =
          normaliseKey(field.label) === key.key ? ` (it is the field's label, which is not removable)` : '';
        return rejected(`field ${field.id} has no alias ${quote(key.key)}${label}`);
      }
      return changed(withField(rules, index, { ...field, aliases }));
    }

    case 'remove_field': {
      if (fieldIndex(rules, op.field) === -1) return rejected(`unknown field ${op.field}`);
      const filters = rules.categoryFilters
        .filter((filter) => filter.attributes.some((attribute) => attribute.field === op.field))
        .map((filter) => filter.name);
      if (filters.length > 0) {
        return rejected(
          `field ${op.field} is a filter attribute of ${filters.length} categories (${filters.slice(0, 5).join(', ')}${filters.length > 5 ? ', …' : ''})`,
        );
      }
      return changed({
        ...rules,
        fields: rules.fields.filter((field) => field.id !== op.field),
        valueMappings: rules.valueMappings.filter((mapping) => mapping.field !== op.field),
        fieldExclusions: rules.fieldExclusions.filter((exclusion) => exclusion.field !== op.field),
      });
    }

    case 'code_change':
      return rejected('code changes are never applied automatically; a person must make them');
  }
}

/** Zod issues as `path: message` lines. */
export function issueLines(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string[] {
  return issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
}

export function applyFixOps(rules: RuleSet, ops: readonly FixOp[]): ApplyResult {
  const problems: string[] = [];
  const effects: string[] = [];
  let current = rules;
  ops.forEach((candidate, index) => {
    const where = `op ${index + 1}`;
    // Ops arrive from outside (a diagnostician, a stored fix): the type is a claim, the schema decides.
    const parsed = fixOpSchema.safeParse(candidate);
    if (!parsed.success) {
      problems.push(...issueLines(parsed.error.issues).map((line) => `${where}: ${line}`));
      return;
    }
    const op = parsed.data;
    const result = applyOne(current, op);
    if (result.kind === 'rejected') {
      problems.push(...result.problems.map((problem) => `${where} (${op.op}): ${problem}`));
      return;
    }
    const changes = result.kind === 'changed' ? diffRuleSets(current, result.rules) : [];
    if (changes.length === 0) {
      const note = result.kind === 'present' && result.note ? ` (${result.note})` : '';
      effects.push(`${ALREADY_PRESENT}: ${describeFixOp(op)}${note}`);
      return;
    }
    effects.push(...changes.map(describeChange));
    if (result.kind === 'changed') current = result.rules;
  });
  if (problems.length > 0) return { status: 'rejected', problems };
  const checked = rulesSchema.safeParse(current);
  if (!checked.success) return { status: 'rejected', problems: issueLines(checked.error.issues) };
  // A new top-level object even when nothing changed: the caller's version is never the input.
  return { status: 'applied', rules: { ...current }, effects };
}

const NUMERIC_DIMENSION: Partial<Record<FieldDefinition['type'], string>> = {
  length: 'length',
  mass: 'mass',
};

/**
 * The fields and source families an op is about: changes to these are intended, anything else a
 * verification loses or changes is a regression (DESIGN.md §2, the regression gate).
 *
 * - `add_family_affix` targets every field: a key that now reads as the family can reach any
 *   field through its label (an alias in every family) or an alias, and which keys records carry
 *   is not known here.
 * - `add_unit_alias` targets every field whose unit has the alias's dimension, and every
 *   numeric field without a unit (a quantity such as capacity takes whatever unit it is given).
 * - `add_picklist_alias` of the attribute picklist targets the filter attributes of that name
 *   (their Salesforce id is looked up by name).
 * - `add_alias`, `add_category_mapping`, `add_ignored_key` and `add_field_exclusion` also name
 *   the families they are limited to, if any; `add_ignored_key` and `code_change` target no field.
 */
export function fixOpTargets(
  op: FixOp,
  rules: RuleSet,
): { fields: readonly string[]; families: readonly string[] } {
  const families = (list: readonly string[] | undefined) => unique(list ?? []);
  switch (op.op) {
    case 'add_alias':
      return { fields: [op.field], families: families(op.families) };
    case 'add_family_affix':
      return { fields: rules.fields.map((field) => field.id), families: [op.family] };
    case 'add_picklist_alias': {
      if (op.picklist !== 'attribute') return { fields: [op.picklist], families: [] };
      const alias = compactValue(op.alias);
      const fields = rules.categoryFilters.flatMap((filter) =>
        filter.attributes
          .filter((attribute) => compactValue(attribute.name) === alias)
          .map((attribute) => attribute.field),
      );
      return { fields: unique(fields), families: [] };
    }
    case 'add_category_mapping':
      return { fields: ['category'], families: families(op.families) };
    case 'add_value_mapping':
    case 'add_enum_value':
    case 'set_constraint':
    case 'remove_alias':
    case 'remove_field':
      return { fields: [op.field], families: [] };
    case 'add_field_exclusion':
      return { fields: [op.field], families: families(op.families) };
    case 'add_field':
      return { fields: [op.field.id], families: [] };
    case 'add_unit_alias': {
      const dimension = UNIT_DIMENSION[op.unit];
      const fields = rules.fields.filter((field) =>
        field.unit !== undefined
          ? UNIT_DIMENSION[field.unit] === dimension
          : field.type === 'quantity' || NUMERIC_DIMENSION[field.type] === dimension,
      );
      return { fields: fields.map((field) => field.id), families: [] };
    }
    case 'add_ignored_key':
      return { fields: [], families: families(op.families) };
    case 'code_change':
      return { fields: [], families: [] };
  }
}

const familiesText = (families: readonly string[] | undefined) =>
  families === undefined ? '(any family)' : `(only ${unique(families).join(', ')})`;

/** One readable line per op: `alias brand ← "MFG Brand Name" (any family)`. */
export function describeFixOp(op: FixOp): string {
  switch (op.op) {
    case 'add_alias':
      return `alias ${op.field} ← ${quote(op.key)} ${familiesText(op.families)}`;
    case 'add_family_affix':
      return op.suffix !== undefined
        ? `family ${op.family} also matches suffix ${quote(op.suffix)}`
        : `family ${op.family} also matches prefix ${quote(op.prefix ?? '')}`;
    case 'add_picklist_alias':
      return `${op.picklist} picklist: ${quote(op.alias)} → ${plain(op.to)}`;
    case 'add_category_mapping':
      return `category text ${quote(op.from)} → ${plain(op.to)} ${familiesText(op.families)}`;
    case 'add_value_mapping':
      return `${op.field} value ${quote(op.from)} → ${plain(op.to)}`;
    case 'add_enum_value':
      return `${op.field} also allows ${quote(op.value)}`;
    case 'add_unit_alias':
      return `unit spelling ${quote(op.spelling)} means ${op.unit}`;
    case 'add_ignored_key':
      return `ignore key ${quote(op.key)} ${familiesText(op.families)}: ${plain(op.reason)}`;
    case 'add_field':
      return `new ${op.field.type} field ${op.field.id} ${quote(op.field.label)}${op.field.unit ? ` in ${op.field.unit}` : ''}`;
    case 'set_constraint': {
      const bounds = [
        ...(op.min === undefined ? [] : [`min ${op.min}`]),
        ...(op.max === undefined ? [] : [`max ${op.max}`]),
      ];
      return `${op.field} constraint ${bounds.join(', ') || '(no bound)'}`;
    }
    case 'add_field_exclusion':
      return `${op.field} not taken from ${unique(op.families).join(', ')} in category ${op.categoryId}: ${plain(op.reason)}`;
    case 'remove_alias':
      return `remove alias ${quote(op.key)} from ${op.field}`;
    case 'remove_field':
      return `remove field ${op.field}`;
    case 'code_change': {
      const description = plain(op.description);
      return `code change for a person: ${description.length > 160 ? `${description.slice(0, 159)}…` : description}`;
    }
  }
}
