import type { SourceEntry } from '../intake/flatten-record.ts';
import type { CompiledRuleSet } from '../rule-set/compile-rule-set.ts';
import type { FieldDefinition } from '../rule-set/rule-set-schema.ts';
import { valueWords } from './normalise.ts';
import { parseBoolean } from './values/boolean.ts';
import { normaliseGtin } from './values/gtin.ts';
import { parseHtmlList } from './values/html-list.ts';
import { parseQuantities } from './values/quantity.ts';
import { decodeEntities, isBlankLike, normaliseSpace, stripTags } from './values/text.ts';
import { type CanonicalUnit, convert, UNIT_DIMENSION } from './values/units.ts';

/** One source's reading of one field, parsed to the field's type. */
export type ParsedValue =
  | {
      readonly kind: 'number';
      readonly value: number;
      readonly unit: CanonicalUnit | null;
      readonly unitStated: boolean;
    }
  | { readonly kind: 'text'; readonly value: string }
  | { readonly kind: 'list'; readonly value: readonly string[] }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'invalid'; readonly reason: string };

export interface Candidate {
  readonly field: string;
  readonly entry: SourceEntry;
  readonly priority: number;
  readonly parsed: ParsedValue;
}

const HEX_SWATCH = /^#?[0-9a-f]{6}$/i;

export function rawText(value: unknown): string {
  if (typeof value === 'string') return normaliseSpace(decodeEntities(value));
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

/**
 * A source value as text: strings, numbers and booleans only. An object or a list under a spec
 * name is not a reading of the field; `String()` would turn it into the invented value
 * `[object Object]`.
 */
function sourceText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

export function isBlankValue(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value !== 'string') return false;
  // Without markup or entities the visible text is the value itself; the HTML parser is for the rest.
  if (!value.includes('<') && !value.includes('&')) return isBlankLike(value);
  return isBlankLike(stripTags(decodeEntities(value)));
}

/** A number in the field's unit; a stated unit of another dimension makes the value invalid. */
function parseNumber(field: FieldDefinition, entry: SourceEntry, rules: CompiledRuleSet): ParsedValue {
  const text = typeof entry.value === 'number' ? entry.value : rawText(entry.value);
  const withUnit =
    entry.unit && typeof text === 'number'
      ? `${text} ${entry.unit}`
      : entry.unit
        ? `${text} ${entry.unit}`
        : text;
  const quantities = parseQuantities(withUnit, rules.unitAliases);
  if (quantities.length === 0) return { kind: 'invalid', reason: 'not a number' };
  const target = field.unit ?? null;
  if (target === null) {
    const first = quantities[0]!;
    return { kind: 'number', value: first.value, unit: first.unit, unitStated: first.unit !== null };
  }
  // "68.58 cm, 27 in": prefer the alternative already in the field's unit.
  const exact = quantities.find((quantity) => quantity.unit === target);
  if (exact) return { kind: 'number', value: exact.value, unit: target, unitStated: true };
  for (const quantity of quantities) {
    if (quantity.unit === null)
      return { kind: 'number', value: quantity.value, unit: target, unitStated: false };
    if (UNIT_DIMENSION[quantity.unit] === UNIT_DIMENSION[target]) {
      const converted = convert(quantity.value, quantity.unit, target);
      if (converted !== null) return { kind: 'number', value: converted, unit: target, unitStated: true };
    }
  }
  return { kind: 'invalid', reason: `unit ${quantities[0]!.unit} is not a ${UNIT_DIMENSION[target]}` };
}

function parseForField(field: FieldDefinition, entry: SourceEntry, rules: CompiledRuleSet): ParsedValue {
  switch (field.type) {
    case 'length':
    case 'mass':
    case 'quantity':
    case 'money': {
      const parsed = parseNumber(field, entry, rules);
      if (parsed.kind !== 'number') return parsed;
      const { min, max } = field.constraints ?? {};
      if (min !== undefined && parsed.value < min)
        return { kind: 'invalid', reason: `below the minimum ${min}` };
      if (max !== undefined && parsed.value > max)
        return { kind: 'invalid', reason: `above the maximum ${max}` };
      if (field.type !== 'quantity' && parsed.value <= 0)
        return { kind: 'invalid', reason: 'not a positive number' };
      return parsed;
    }
    case 'integer': {
      const parsed = parseNumber(field, entry, rules);
      if (parsed.kind === 'number' && !Number.isInteger(parsed.value))
        return { kind: 'invalid', reason: 'not a whole number' };
      return parsed;
    }
    case 'boolean': {
      const value = parseBoolean(entry.value);
      return value === null ? { kind: 'invalid', reason: 'not yes or no' } : { kind: 'boolean', value };
    }
    case 'gtin': {
      const gtin = normaliseGtin(entry.value);
      if (gtin === null) return { kind: 'invalid', reason: 'not a GTIN (8, 12, 13 or 14 digits)' };
      if (!gtin.valid) return { kind: 'invalid', reason: `bad GS1 check digit in ${gtin.digits}` };
      return { kind: 'text', value: gtin.digits };
    }
    case 'html_list': {
      const items =
        typeof entry.value === 'string' && /<li/i.test(entry.value) ? parseHtmlList(entry.value) : [];
      if (items.length > 0) return { kind: 'list', value: items };
      const text = rawText(stripTags(sourceText(entry.value)));
      return text === '' ? { kind: 'invalid', reason: 'empty list' } : { kind: 'list', value: [text] };
    }
    case 'long_text': {
      const text = normaliseSpace(stripTags(decodeEntities(sourceText(entry.value))));
      return text === '' ? { kind: 'invalid', reason: 'empty text' } : { kind: 'text', value: text };
    }
    case 'color':
    case 'finish': {
      const text = rawText(stripTags(sourceText(entry.value)));
      if (text === '') return { kind: 'invalid', reason: 'empty' };
      if (HEX_SWATCH.test(text)) return { kind: 'invalid', reason: 'a hex swatch is not a colour' };
      // "Panel Ready" is a configuration, never a finish or a colour (DESIGN.md §3).
      if (valueWords(text) === 'panel ready')
        return { kind: 'invalid', reason: 'panel ready is a configuration' };
      return { kind: 'text', value: rules.mapValue(field.id, text) ?? text };
    }
    default: {
      const text = rawText(stripTags(sourceText(entry.value)));
      return text === ''
        ? { kind: 'invalid', reason: 'empty' }
        : { kind: 'text', value: rules.mapValue(field.id, text) ?? text };
    }
  }
}

export function toCandidate(field: FieldDefinition, entry: SourceEntry, rules: CompiledRuleSet): Candidate {
  const priority = rules.familyById.get(entry.family)?.priority ?? 0;
  return { field: field.id, entry, priority, parsed: parseForField(field, entry, rules) };
}
