import type { CompiledRuleSet } from '../rule-set/compile-rule-set.ts';
import type { SourceFamily } from '../rule-set/rule-set-schema.ts';
import { normaliseKey } from '../verification/normalise.ts';
import { parseSpecificationTable } from '../verification/values/html-spec-table.ts';

/**
 * Intake: a Salesforce record → `(source family, source key) → raw value` entries, plus the
 * contract's fixed fields (ids, media, links). The original payload is never changed; every
 * entry keeps the path it came from, which becomes the provenance of any value it supplies.
 */

export interface SourceEntry {
  readonly family: string;
  /** The key as the source spells it. */
  readonly key: string;
  readonly normalisedKey: string;
  readonly value: unknown;
  /** Where in the payload: `Brand_Manual`, `Web_Retailer_Specs[3]`, `Ferguson_Raw_Data.product.upc`. */
  readonly path: string;
  /** The unit a structured source states beside the value (Ferguson feature groups). */
  readonly unit: string | null;
  readonly group: string | null;
}

export interface MediaLinks {
  readonly images: readonly string[];
  readonly documents: readonly { url: string; name?: string; type?: string }[];
  readonly referenceUrl: string;
  readonly manufacturerUrl: string;
  readonly fergusonUrl: string;
}

export interface FlattenedRecord {
  readonly catalogId: string;
  readonly catalogName: string;
  readonly entries: readonly SourceEntry[];
  readonly media: MediaLinks;
}

/** Fields of the contract that are not product data from a source. */
export const CONTRACT_FIELDS = new Set([
  'SF_Catalog_Id',
  'SF_Catalog_Name',
  'webhookUrl',
  'Stock_Images',
  'Documents',
  'Reference_URL',
  'Manufacturer_URL',
  'Ferguson_URL',
  'async',
  'callback_url',
]);

const asText = (value: unknown): string => (typeof value === 'string' ? value : '');

function urlList(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value
    .map((item) => (typeof item === 'string' ? item : asText((item as { url?: unknown } | null)?.url)))
    .filter((url) => url !== '');
}

function documentList(value: unknown): { url: string; name?: string; type?: string }[] {
  if (!Array.isArray(value)) return [];
  const documents: { url: string; name?: string; type?: string }[] = [];
  for (const item of value) {
    const url = typeof item === 'string' ? item : asText((item as { url?: unknown } | null)?.url);
    if (url === '') continue;
    const document: { url: string; name?: string; type?: string } = { url };
    const name = asText((item as { name?: unknown } | null)?.name);
    const type = asText((item as { type?: unknown } | null)?.type);
    if (name) document.name = name;
    if (type) document.type = type;
    documents.push(document);
  }
  return documents;
}

/** The flat family whose suffix or prefix the key carries (longest affix wins), or the record's own. */
function flatFamilyOf(key: string, rules: CompiledRuleSet): { family: SourceFamily; baseKey: string } {
  let best: { family: SourceFamily; baseKey: string; length: number } | null = null;
  const lowerKey = key.toLowerCase();
  for (const family of rules.families) {
    if (family.layout !== 'flat') continue;
    for (const suffix of family.suffixes) {
      if (lowerKey.endsWith(suffix.toLowerCase()) && key.length > suffix.length) {
        if (!best || suffix.length > best.length) {
          best = { family, baseKey: key.slice(0, key.length - suffix.length), length: suffix.length };
        }
      }
    }
    for (const prefix of family.prefixes) {
      if (lowerKey.startsWith(prefix.toLowerCase()) && key.length > prefix.length) {
        if (!best || prefix.length > best.length) {
          best = { family, baseKey: key.slice(prefix.length), length: prefix.length };
        }
      }
    }
  }
  return best ?? { family: rules.recordFamily, baseKey: key };
}

function entry(
  family: string,
  key: string,
  value: unknown,
  path: string,
  unit: string | null = null,
  group: string | null = null,
): SourceEntry {
  return { family, key, normalisedKey: normaliseKey(key), value, path, unit, group };
}

function nameValueEntries(family: string, field: string, value: unknown): SourceEntry[] {
  if (!Array.isArray(value)) return [];
  const entries: SourceEntry[] = [];
  value.forEach((item, index) => {
    if (typeof item !== 'object' || item === null) return;
    const name = (item as { name?: unknown }).name;
    if (typeof name !== 'string' || name.trim() === '') return;
    entries.push(
      entry(family, name.trim(), (item as { value?: unknown }).value ?? null, `${field}[${index}]`),
    );
  });
  return entries;
}

function specTableEntries(family: string, field: string, value: unknown): SourceEntry[] {
  if (typeof value !== 'string' || value.trim() === '') return [];
  return parseSpecificationTable(value).map((spec, index) =>
    entry(family, spec.name, spec.value, `${field}[${index}]`, null, spec.group),
  );
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isScalar = (value: unknown) => value === null || ['string', 'number', 'boolean'].includes(typeof value);

/** `Ferguson_Raw_Data`: the match summary, the product's scalars, dimensions, specifications and feature groups. */
function fergusonRawEntries(family: string, field: string, value: unknown): SourceEntry[] {
  if (!isPlainObject(value)) return [];
  const entries: SourceEntry[] = [];
  for (const key of ['matched_model', 'model_number'] as const) {
    if (isScalar(value[key])) entries.push(entry(family, key, value[key], `${field}.${key}`));
  }
  const product = value.product;
  if (!isPlainObject(product)) return entries;
  const base = `${field}.product`;
  for (const [key, item] of Object.entries(product)) {
    if (isScalar(item)) entries.push(entry(family, key, item, `${base}.${key}`));
    else if (key === 'collection' && isPlainObject(item) && typeof item.name === 'string') {
      entries.push(entry(family, 'collection', item.name, `${base}.collection.name`));
    } else if (key === 'certifications' && Array.isArray(item) && item.every((x) => typeof x === 'string')) {
      if (item.length > 0)
        entries.push(entry(family, 'certifications', item.join(', '), `${base}.certifications`));
    }
  }
  if (isPlainObject(product.dimensions)) {
    for (const [key, item] of Object.entries(product.dimensions)) {
      if (isScalar(item)) entries.push(entry(family, key, item, `${base}.dimensions.${key}`));
    }
  }
  if (isPlainObject(product.specifications)) {
    for (const [key, item] of Object.entries(product.specifications)) {
      if (isPlainObject(item) && isScalar(item.value)) {
        const unit = typeof item.units === 'string' ? item.units : null;
        entries.push(entry(family, key, item.value, `${base}.specifications.${key}`, unit));
      }
    }
  }
  if (Array.isArray(product.feature_groups)) {
    product.feature_groups.forEach((group, groupIndex) => {
      if (!isPlainObject(group) || !Array.isArray(group.features)) return;
      const groupName = typeof group.name === 'string' ? group.name : null;
      group.features.forEach((feature, featureIndex) => {
        if (!isPlainObject(feature) || typeof feature.name !== 'string' || !isScalar(feature.value)) return;
        const unit = typeof feature.units === 'string' ? feature.units : null;
        const path = `${base}.feature_groups[${groupIndex}].features[${featureIndex}]`;
        entries.push(entry(family, feature.name, feature.value, path, unit, groupName));
      });
    });
  }
  return entries;
}

export function flattenRecord(
  payload: Readonly<Record<string, unknown>>,
  rules: CompiledRuleSet,
): FlattenedRecord {
  const entries: SourceEntry[] = [];
  // A record may carry hundreds of thousands of entries in one field: appended one by one,
  // never spread into push(), whose arguments are limited by the call stack.
  const append = (more: readonly SourceEntry[]) => {
    for (const item of more) entries.push(item);
  };
  for (const [key, value] of Object.entries(payload)) {
    if (CONTRACT_FIELDS.has(key)) continue;
    const structured = rules.structuredFamilyByField.get(key);
    if (structured) {
      if (structured.layout === 'name_value_list') append(nameValueEntries(structured.id, key, value));
      else if (structured.layout === 'spec_html') append(specTableEntries(structured.id, key, value));
      else if (structured.layout === 'ferguson_raw') append(fergusonRawEntries(structured.id, key, value));
      continue;
    }
    const { family, baseKey } = flatFamilyOf(key, rules);
    if (isScalar(value)) {
      entries.push(entry(family.id, baseKey, value, key));
    } else if (
      Array.isArray(value) &&
      value.every((item) => typeof item === 'string' || typeof item === 'number')
    ) {
      entries.push(entry(family.id, baseKey, value.join(', '), key));
    } else if (Array.isArray(value) && value.some((item) => isPlainObject(item) && 'name' in item)) {
      // A name/value list under a field the rule set does not know yet: keep its pairs.
      append(nameValueEntries(family.id, key, value));
    }
  }
  return {
    catalogId: asText(payload.SF_Catalog_Id),
    catalogName: asText(payload.SF_Catalog_Name),
    entries,
    media: {
      images: urlList(payload.Stock_Images),
      documents: documentList(payload.Documents),
      referenceUrl: asText(payload.Reference_URL),
      manufacturerUrl: asText(payload.Manufacturer_URL),
      fergusonUrl: asText(payload.Ferguson_URL),
    },
  };
}
