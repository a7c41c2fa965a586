import { flattenRecord, type SourceEntry } from '../intake/flatten-record.ts';
import type { CategoryEntry, CompiledRuleSet, PicklistEntry } from '../rule-set/compile-rule-set.ts';
import type { FieldDefinition } from '../rule-set/rule-set-schema.ts';
import { renderAdditionalAttributes } from './additional-attributes-html.ts';
import { type Candidate, isBlankValue, rawText, toCandidate } from './candidates.ts';
import { splitColorAndFinish } from './color-and-finish.ts';
import { closestRelation, type ModelRelation, modelRelation } from './model-relation.ts';
import { compactValue } from './normalise.ts';
import { emptyResult, type FieldResult, type FieldValue, reconcile, type SourceRef } from './reconcile.ts';
import { renderHtmlList } from './values/html-list.ts';
import { isBlankLike } from './values/text.ts';

/**
 * The verification engine: one Salesforce record and one rule set version in, the contract's
 * result object out (PEER-CONTRACT §5), with the provenance of every value and the findings the
 * self-healing detector reads. Pure and deterministic: the same payload, rule set version and
 * context give a byte-identical result.
 */

export interface VerificationContext {
  /** When the record was received: the result's `verification_timestamp`. */
  readonly receivedAt: string;
  /** `Verification.verification_session_id` (the caller derives it from payload and version). */
  readonly sessionId: string;
}

export type VerificationStatus = 'verified' | 'needs_review' | 'failed' | 'data_conflict';
export type ResultStatus = 'success' | 'partial' | 'failed' | 'data_conflict';

export interface Findings {
  readonly unmappedKeys: readonly {
    family: string;
    key: string;
    normalisedKey: string;
    path: string;
    sample: string;
  }[];
  readonly conflicts: readonly {
    field: string;
    output: string;
    chosen: FieldValue;
    sources: readonly SourceRef[];
    others: readonly { source: SourceRef; value: FieldValue }[];
  }[];
  readonly invalidValues: readonly {
    field: string;
    family: string;
    key: string;
    path: string;
    value: string;
    reason: string;
  }[];
  readonly picklistMisses: readonly {
    picklist: 'brand' | 'category' | 'style';
    value: string;
    family: string;
    key: string;
  }[];
  readonly missingFields: readonly string[];
  readonly modelMismatches: readonly { family: string; model: string; relation: ModelRelation }[];
}

export interface Provenance {
  readonly agreement: FieldResult['agreement'];
  readonly sources: readonly SourceRef[];
  readonly disagreeing: FieldResult['disagreeing'];
  readonly notes: readonly string[];
}

export type VerificationResult = Record<string, unknown> & {
  SF_Catalog_Id: string;
  SF_Catalog_Name: string;
  Primary_Attributes: Record<string, string | number | null>;
  Top_Filter_Attributes: Record<string, string | number | boolean | null>;
  Top_Filter_Attribute_Ids: Record<string, string | null>;
  Status: ResultStatus;
  Verity_Provenance: Record<string, Provenance>;
  Verity_Findings: Findings;
  Verity_Rule_Set_Version: number;
};

export interface VerificationOutcome {
  readonly result: VerificationResult;
  readonly status: VerificationStatus;
  readonly score: number;
}

const NOT_FOUND = 'Not Found';

/** The verified category of a result, or null when none was found. */
export function verifiedCategory(result: VerificationResult): string | null {
  const category = result.Primary_Attributes.Category_Verified;
  return typeof category === 'string' && category !== NOT_FOUND ? category : null;
}
const NONE_IDENTIFIED = 'None Identified';

export const PRIMARY_OUTPUT: Readonly<Record<string, string>> = {
  brand: 'Brand_Verified',
  category: 'Category_Verified',
  subcategory: 'SubCategory_Verified',
  style: 'Product_Style_Verified',
  color: 'Color_Verified',
  finish: 'Finish_Verified',
  depth: 'Depth_Verified',
  width: 'Width_Verified',
  height: 'Height_Verified',
  weight: 'Weight_Verified',
  msrp: 'MSRP_Verified',
  market_value: 'Market_Value',
  market_value_min: 'Market_Value_Min',
  market_value_max: 'Market_Value_Max',
  description: 'Description_Verified',
  title: 'Product_Title_Verified',
  features: 'Features_List_HTML',
  upc: 'UPC_GTIN_Verified',
  model_number: 'Model_Number_Verified',
  model_parent: 'Model_Parent',
};

/** Fields whose disagreement is a conflict worth a person's or the healer's attention. */
const CONFLICT_FIELDS = new Set([
  'brand',
  'upc',
  'msrp',
  'width',
  'height',
  'depth',
  'weight',
  'color',
  'finish',
  'category',
]);

/** Weights of the verification score (the peer's score had no stated definition; this one does). */
const SCORED_FIELDS = [
  'brand',
  'category',
  'model_number',
  'upc',
  'msrp',
  'width',
  'height',
  'depth',
  'weight',
  'color',
  'title',
  'description',
];

const AGREEMENT_CREDIT: Record<FieldResult['agreement'], number> = {
  agreed: 1,
  single_source: 0.85,
  conflict: 0.6,
  none: 0,
};

/** Decimal in the field's unit, at most two places: "26.9375" → "26.94", "11.50" → "11.5". */
export function formatMeasure(value: number): string {
  return String(Math.round(value * 100) / 100);
}

function textValue(value: FieldValue | null): string | null {
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  return value.join(', ');
}

/** The contract's blanking: N/A-like strings become "" because they break Apex's deserializer. */
function blankNa(value: string): string {
  return isBlankLike(value) && value !== NOT_FOUND && value !== NONE_IDENTIFIED ? '' : value;
}

export function verifyRecord(
  payload: Readonly<Record<string, unknown>>,
  rules: CompiledRuleSet,
  context: VerificationContext,
): VerificationOutcome {
  const record = flattenRecord(payload, rules);
  const unmappedKeys: Findings['unmappedKeys'][number][] = [];
  const invalidValues: Findings['invalidValues'][number][] = [];
  const picklistMisses: Findings['picklistMisses'][number][] = [];
  const candidatesByField = new Map<string, Candidate[]>();
  const entryStatus = new Map<string, { status: string; field?: string; reason?: string }>();

  // 1. Which field does each entry speak for?
  for (const entry of record.entries) {
    if (isBlankValue(entry.value)) {
      entryStatus.set(entry.path, { status: 'not_used', reason: 'empty or not applicable' });
      continue;
    }
    const fieldId = rules.fieldFor(entry.family, entry.normalisedKey);
    if (fieldId === null) {
      if (rules.isIgnored(entry.family, entry.normalisedKey)) {
        entryStatus.set(entry.path, { status: 'not_used', reason: 'known key, nothing to verify' });
      } else {
        unmappedKeys.push({
          family: entry.family,
          key: entry.key,
          normalisedKey: entry.normalisedKey,
          path: entry.path,
          sample: rawText(entry.value).slice(0, 200),
        });
      }
      continue;
    }
    const field = rules.fieldById.get(fieldId)!;
    const candidate = toCandidate(field, entry, rules);
    if (candidate.parsed.kind === 'invalid') {
      invalidValues.push({
        field: fieldId,
        family: entry.family,
        key: entry.key,
        path: entry.path,
        value: rawText(entry.value).slice(0, 200),
        reason: candidate.parsed.reason,
      });
      entryStatus.set(entry.path, { status: 'invalid', field: fieldId, reason: candidate.parsed.reason });
    }
    const list = candidatesByField.get(fieldId) ?? [];
    list.push(candidate);
    candidatesByField.set(fieldId, list);
  }

  // 2. Which sources describe this product? SF_Catalog_Name is the authoritative model.
  const modelsByFamily = new Map<string, string[]>();
  for (const candidate of candidatesByField.get('model_number') ?? []) {
    if (candidate.parsed.kind !== 'text') continue;
    const list = modelsByFamily.get(candidate.entry.family) ?? [];
    list.push(candidate.parsed.value);
    modelsByFamily.set(candidate.entry.family, list);
  }
  const modelMismatches: Findings['modelMismatches'][number][] = [];
  const otherProduct = new Set<string>();
  const siblingVariant = new Set<string>();
  for (const [family, models] of modelsByFamily) {
    const relation = closestRelation(models.map((model) => modelRelation(record.catalogName, model)));
    if (relation === 'different' || relation === 'sibling') {
      modelMismatches.push({ family, model: models[0]!, relation });
      (relation === 'different' ? otherProduct : siblingVariant).add(family);
    }
  }
  const admissible = (field: FieldDefinition, candidate: Candidate): string | null => {
    if (otherProduct.has(candidate.entry.family)) return 'the source describes a different product';
    if (field.variantSpecific && siblingVariant.has(candidate.entry.family)) {
      return 'the source describes a sibling variant';
    }
    return null;
  };
  const candidatesFor = (fieldId: string, categoryId: string | null): Candidate[] => {
    const field = rules.fieldById.get(fieldId);
    if (!field) return [];
    return (candidatesByField.get(fieldId) ?? []).filter((candidate) => {
      const reason =
        admissible(field, candidate) ??
        (categoryId && rules.isExcluded(categoryId, fieldId, candidate.entry.family)
          ? 'this source does not measure this field in this category'
          : null);
      if (reason) entryStatus.set(candidate.entry.path, { status: 'not_used', field: fieldId, reason });
      return reason === null;
    });
  };

  // 3. Category first: it decides exclusions and the filter attributes.
  const categoryCandidates: Candidate[] = [];
  const categoryByName = new Map<string, CategoryEntry>();
  const unmatchedCategoryTexts: Candidate[] = [];
  for (const field of rules.rules.fields.filter((f) => f.type === 'category')) {
    for (const candidate of candidatesFor(field.id, null)) {
      if (candidate.parsed.kind !== 'text') continue;
      const category = rules.matchCategory(candidate.parsed.value, candidate.entry.family);
      if (!category) {
        unmatchedCategoryTexts.push(candidate);
        continue;
      }
      categoryByName.set(category.name, category);
      categoryCandidates.push({
        ...candidate,
        field: 'category',
        parsed: { kind: 'text', value: category.name },
      });
    }
  }
  const categoryResult = reconcile('category', categoryCandidates);
  const category =
    categoryResult.value === null ? null : (categoryByName.get(categoryResult.value as string) ?? null);
  if (!category) {
    for (const candidate of unmatchedCategoryTexts) {
      picklistMisses.push({
        picklist: 'category',
        value: rawText(candidate.entry.value),
        family: candidate.entry.family,
        key: candidate.entry.key,
      });
    }
  }
  const categoryId = category?.id ?? null;
  const filter = categoryId ? (rules.filtersByCategoryId.get(categoryId) ?? null) : null;

  // 4. Every other field.
  const results = new Map<string, FieldResult>([['category', categoryResult]]);
  const fieldResult = (fieldId: string): FieldResult => {
    const cached = results.get(fieldId);
    if (cached) return cached;
    const field = rules.fieldById.get(fieldId);
    if (!field) return emptyResult(fieldId);
    const candidates = candidatesFor(fieldId, categoryId);
    let result: FieldResult;
    if (field.type === 'brand' || field.type === 'style') {
      const picklist = field.type;
      result = reconcile(fieldId, candidates, {
        keyOf: (value) => rules.matchPicklist(picklist, value)?.id ?? compactValue(value),
      });
    } else if (field.type === 'text' || field.type === 'long_text' || field.type === 'html_list') {
      result = reconcile(fieldId, candidates, { freeText: true });
    } else if (field.type === 'gtin') {
      // GS1 right-justifies every GTIN in 14 digits with leading zeros: the UPC-A `050375006633` and
      // the EAN-13 `0050375006633` are one GTIN, not a conflict.
      result = reconcile(fieldId, candidates, { keyOf: (value) => value.replace(/^0+/, '') });
    } else {
      result = reconcile(
        fieldId,
        candidates,
        field.tolerance === undefined ? {} : { tolerance: field.tolerance },
      );
    }
    results.set(fieldId, result);
    return result;
  };

  // Colour and finish are read from every colour or finish source, each value split in two.
  const colorFinishSources = [...candidatesFor('color', categoryId), ...candidatesFor('finish', categoryId)];
  for (const part of ['color', 'finish'] as const) {
    const parts: Candidate[] = [];
    for (const candidate of colorFinishSources) {
      if (candidate.parsed.kind !== 'text') continue;
      const split = splitColorAndFinish(candidate.parsed.value, rules.finishTerms);
      const value = split[part];
      if (value !== null) {
        parts.push({
          ...candidate,
          field: part,
          parsed: { kind: 'text', value: rules.mapValue(part, value) ?? value },
        });
      }
    }
    results.set(part, reconcile(part, parts));
  }

  // 5. Used entries, provenance, conflicts.
  const provenance: Record<string, Provenance> = {};
  const conflicts: Findings['conflicts'][number][] = [];
  const markUsed = (output: string, result: FieldResult) => {
    if (result.value === null) return;
    provenance[output] = {
      agreement: result.agreement,
      sources: result.sources,
      disagreeing: result.disagreeing,
      notes: result.notes,
    };
    for (const source of result.sources)
      entryStatus.set(source.path, { status: 'included_in_response', field: output });
    if (result.agreement === 'conflict' && CONFLICT_FIELDS.has(result.field)) {
      conflicts.push({
        field: result.field,
        output,
        chosen: result.value,
        sources: result.sources,
        others: result.disagreeing,
      });
    }
  };

  const primary: Record<string, string | number | null> = {};
  const missingFields: string[] = [];
  const corrections: {
    field: string;
    originalValue: string;
    correctedValue: string;
    reason: string;
    source: string;
  }[] = [];
  const textOut = (
    fieldId: string,
    output: string,
    format: (value: FieldValue) => string = (v) => textValue(v)!,
  ) => {
    const result = fieldResult(fieldId);
    if (result.value === null) {
      missingFields.push(output);
      primary[output] = NOT_FOUND;
      return;
    }
    primary[output] = blankNa(format(result.value));
    markUsed(`Primary_Attributes.${output}`, result);
    for (const note of result.notes) {
      corrections.push({
        field: output,
        originalValue: rawText(result.sources.find((s) => note.startsWith(s.path))?.value ?? ''),
        correctedValue: String(primary[output]),
        reason: note,
        source: result.sources[0]?.path ?? '',
      });
    }
  };
  const numberOut = (fieldId: string, output: string) => {
    const result = fieldResult(fieldId);
    primary[output] = typeof result.value === 'number' ? result.value : null;
    if (typeof result.value === 'number') markUsed(`Primary_Attributes.${output}`, result);
  };

  // Brand: the picklist spelling and id when the picklist knows it.
  const brandResult = fieldResult('brand');
  let brandEntry: PicklistEntry | null = null;
  if (brandResult.value === null) {
    missingFields.push('Brand_Verified');
    primary.Brand_Verified = NOT_FOUND;
  } else {
    brandEntry = rules.matchPicklist('brand', String(brandResult.value));
    primary.Brand_Verified = brandEntry?.name ?? blankNa(String(brandResult.value));
    markUsed('Primary_Attributes.Brand_Verified', brandResult);
    if (!brandEntry) {
      const source = brandResult.sources[0]!;
      picklistMisses.push({
        picklist: 'brand',
        value: String(brandResult.value),
        family: source.family,
        key: source.key,
      });
    }
  }
  primary.Brand_Id = brandEntry?.id ?? null;

  if (category) {
    primary.Category_Verified = category.name;
    markUsed('Primary_Attributes.Category_Verified', categoryResult);
  } else {
    missingFields.push('Category_Verified');
    primary.Category_Verified = NOT_FOUND;
  }
  primary.Category_Id = category?.id ?? null;
  // The subcategory is a source value like any other: reconciled from the admissible sources, with
  // its provenance (it used to be the first raw entry, unrecorded, even from a source for another product).
  const subcategoryResult = fieldResult('subcategory');
  if (subcategoryResult.value === null) {
    primary.SubCategory_Verified = '';
  } else {
    primary.SubCategory_Verified = blankNa(textValue(subcategoryResult.value)!);
    markUsed('Primary_Attributes.SubCategory_Verified', subcategoryResult);
  }
  primary.Product_Family_Verified = category?.family ?? NOT_FOUND;
  primary.Department_Verified = category?.department ?? NOT_FOUND;

  // Style only when a source states one; never a default.
  const styleResult = fieldResult('style');
  let styleEntry: PicklistEntry | null = null;
  if (styleResult.value === null) {
    primary.Product_Style_Verified = NOT_FOUND;
  } else {
    styleEntry = rules.matchPicklist('style', String(styleResult.value));
    primary.Product_Style_Verified = styleEntry?.name ?? blankNa(String(styleResult.value));
    markUsed('Primary_Attributes.Product_Style_Verified', styleResult);
    if (!styleEntry) {
      const source = styleResult.sources[0]!;
      picklistMisses.push({
        picklist: 'style',
        value: String(styleResult.value),
        family: source.family,
        key: source.key,
      });
    }
  }
  primary.Style_Id = styleEntry?.id ?? null;

  for (const part of ['color', 'finish'] as const) {
    const result = results.get(part)!;
    const output = PRIMARY_OUTPUT[part]!;
    if (result.value === null) {
      primary[output] = part === 'finish' ? '' : NOT_FOUND;
      if (part === 'color') missingFields.push(output);
    } else {
      primary[output] = blankNa(String(result.value));
      markUsed(`Primary_Attributes.${output}`, result);
    }
  }
  for (const dimension of ['depth', 'width', 'height', 'weight']) {
    textOut(dimension, PRIMARY_OUTPUT[dimension]!, (value) => formatMeasure(value as number));
  }
  textOut('msrp', 'MSRP_Verified', (value) => formatMeasure(value as number));
  numberOut('market_value', 'Market_Value');
  numberOut('market_value_min', 'Market_Value_Min');
  numberOut('market_value_max', 'Market_Value_Max');
  textOut('description', 'Description_Verified');
  textOut('title', 'Product_Title_Verified');
  primary.Details_Verified = NOT_FOUND;
  textOut('features', 'Features_List_HTML', (value) =>
    renderHtmlList(Array.isArray(value) ? value : [String(value)]),
  );
  textOut('upc', 'UPC_GTIN_Verified');

  // The model is SF_Catalog_Name; sources that state the same model confirm it.
  const modelResult = fieldResult('model_number');
  if (record.catalogName !== '') {
    primary.Model_Number_Verified = record.catalogName;
    const confirming = modelResult.sources.filter(
      (source) => modelRelation(record.catalogName, rawText(source.value)) === 'same',
    );
    provenance['Primary_Attributes.Model_Number_Verified'] = {
      agreement: confirming.length > 0 ? 'agreed' : 'single_source',
      sources: [
        { family: 'salesforce', key: 'SF_Catalog_Name', path: 'SF_Catalog_Name', value: record.catalogName },
        ...confirming,
      ],
      disagreeing: [],
      notes: [],
    };
    for (const source of confirming)
      entryStatus.set(source.path, { status: 'included_in_response', field: 'Model_Number_Verified' });
  } else if (modelResult.value !== null) {
    // No SF_Catalog_Name (the peer's own test payloads): the model is what the sources state, with
    // their provenance. It used to be "" with a provenance entry citing the missing SF_Catalog_Name.
    primary.Model_Number_Verified = blankNa(textValue(modelResult.value)!);
    markUsed('Primary_Attributes.Model_Number_Verified', modelResult);
  } else {
    missingFields.push('Model_Number_Verified');
    primary.Model_Number_Verified = NOT_FOUND;
  }
  const aliasModel = modelResult.sources
    .map((s) => rawText(s.value))
    .find((model) => model !== '' && model !== primary.Model_Number_Verified);
  primary.Model_Number_Alias = aliasModel ?? NONE_IDENTIFIED;
  const parent = fieldResult('model_parent');
  primary.Model_Parent = parent.value === null ? NONE_IDENTIFIED : String(parent.value);
  if (parent.value !== null) markUsed('Primary_Attributes.Model_Parent', parent);
  primary.Model_Variant_Number = NONE_IDENTIFIED;
  primary.Total_Model_Variants = NONE_IDENTIFIED;

  // 6. The category's Top-15 filter attributes; ids from the curated sf_id, else an exact picklist match.
  const topFilters: Record<string, string | number | boolean | null> = {};
  const topFilterIds: Record<string, string | null> = {};
  const attributeRequests: Record<string, unknown>[] = [];
  let filtersFound = 0;
  for (const attribute of filter?.attributes ?? []) {
    const result = fieldResult(attribute.field);
    const key = attribute.field;
    if (result.value === null) {
      topFilters[key] = attribute.type === 'number' ? null : NOT_FOUND;
    } else {
      filtersFound += 1;
      topFilters[key] =
        attribute.type === 'number' && typeof result.value === 'number'
          ? Math.round(result.value * 1000) / 1000
          : blankNa(textValue(result.value)!);
      markUsed(`Top_Filter_Attributes.${key}`, result);
    }
    const id = attribute.sfId ?? rules.matchPicklist('attribute', attribute.name)?.id ?? null;
    topFilterIds[key] = id;
    if (id === null) {
      attributeRequests.push({
        attribute_name: attribute.name,
        requested_for_category: category?.name ?? filter?.name ?? '',
        source: 'top_15_filter',
        reason: 'Filter attribute has no Salesforce attribute id',
      });
    }
  }

  // 7. Specifications used nowhere else.
  const additional: { name: string; value: string }[] = [];
  const seenAdditional = new Set<string>();
  const isSpecEntry = (entry: SourceEntry) => {
    const family = rules.familyById.get(entry.family);
    if (!family || family.layout === 'flat') return false;
    return family.layout !== 'ferguson_raw' || /\.(specifications|feature_groups)/.test(entry.path);
  };
  for (const entry of record.entries) {
    const status = entryStatus.get(entry.path);
    if (status?.status === 'included_in_response' || status?.status === 'invalid') continue;
    if (status?.status === 'not_used' || !isSpecEntry(entry) || isBlankValue(entry.value)) continue;
    if (rules.isIgnored(entry.family, entry.normalisedKey)) continue;
    const value =
      rawText(entry.value) + (entry.unit && typeof entry.value !== 'string' ? ` ${entry.unit}` : '');
    const dedupe = `${compactValue(entry.key)}=${compactValue(value)}`;
    entryStatus.set(entry.path, { status: 'included_in_additional' });
    if (seenAdditional.has(dedupe)) continue;
    seenAdditional.add(dedupe);
    additional.push({ name: entry.key, value });
  }

  const confirmation = (family: string) =>
    record.entries
      .filter((entry) => entry.family === family)
      .map((entry) => {
        const status = entryStatus.get(entry.path) ?? {
          status: 'not_used',
          reason: 'not matched to any field',
        };
        const item: Record<string, unknown> = {
          name: entry.key,
          value: rawText(entry.value),
          status: status.status,
        };
        if (status.field) item.matched_to_field = status.field;
        if (status.reason) item.reason = status.reason;
        return item;
      });
  const retailerSpecs = confirmation('web_retailer_specs');
  const fergusonAttributes = confirmation('ferguson_attributes');
  const processed = [...retailerSpecs, ...fergusonAttributes];

  // 8. Score and status.
  const scored = SCORED_FIELDS.map((fieldId) => {
    if (fieldId === 'model_number') return 1;
    if (fieldId === 'category') return category ? AGREEMENT_CREDIT[categoryResult.agreement] : 0;
    return AGREEMENT_CREDIT[(results.get(fieldId) ?? fieldResult(fieldId)).agreement];
  });
  const filterShare = filter && filter.attributes.length > 0 ? filtersFound / filter.attributes.length : 0;
  const score = Math.round(
    80 * (scored.reduce((sum, credit) => sum + credit, 0) / scored.length) + 20 * filterShare,
  );
  const fieldsAgreed = [...results.values()].filter((result) => result.agreement === 'agreed').length;
  const fieldsDisagreed = [...results.values()].filter((result) => result.agreement === 'conflict').length;
  const anyProductData = record.entries.some((entry) => !isBlankValue(entry.value));
  const criticalConflict = conflicts.some(
    (conflict) => conflict.field === 'brand' || conflict.field === 'upc',
  );

  let status: VerificationStatus;
  let errorMessage: string | null = null;
  if (otherProduct.size > 0) {
    status = 'data_conflict';
    const mismatch = modelMismatches.find((m) => m.relation === 'different')!;
    errorMessage = `Source ${mismatch.family} describes model ${mismatch.model}, not ${record.catalogName}`;
  } else if (
    !anyProductData ||
    (brandResult.value === null && !category && fieldResult('title').value === null)
  ) {
    status = 'failed';
    errorMessage = 'No source carries a brand, a category or a title for this record';
  } else if (brandEntry && category && score >= 60 && !criticalConflict) {
    status = 'verified';
  } else {
    status = 'needs_review';
  }
  const resultStatus: ResultStatus =
    status === 'verified' ? 'success' : status === 'needs_review' ? 'partial' : status;

  const familiesUsed = [
    ...new Set(Object.values(provenance).flatMap((p) => p.sources.map((source) => source.family))),
  ].filter((family) => family !== 'salesforce');
  const retailerSide = familiesUsed.some(
    (f) => f === 'web_retailer' || f === 'web_retailer_specs' || f === 'spec_table' || f === 'manual',
  );
  const fergusonSide = familiesUsed.some((f) => f.startsWith('ferguson'));
  const scenario =
    status === 'data_conflict'
      ? 'data_conflict'
      : retailerSide && fergusonSide
        ? 'both_sources'
        : retailerSide
          ? 'web_retailer_only'
          : fergusonSide
            ? 'ferguson_only'
            : 'no_sources';

  const brandRequests =
    brandResult.value !== null && !brandEntry
      ? [
          {
            brand_name: String(brandResult.value),
            source: 'product_data',
            product_context: { sf_catalog_id: record.catalogId, model_number: record.catalogName },
            reason: 'Brand is not in the Salesforce brand picklist',
          },
        ]
      : [];
  const categoryRequests =
    !category && unmatchedCategoryTexts.length > 0
      ? [
          {
            category_name: rawText(unmatchedCategoryTexts[0]!.entry.value),
            source: 'product_data',
            product_context: { sf_catalog_id: record.catalogId, model_number: record.catalogName },
            reason: 'Category text matches no Salesforce category',
          },
        ]
      : [];
  const styleRequests =
    styleResult.value !== null && !styleEntry
      ? [
          {
            style_name: String(styleResult.value),
            suggested_for_category: category?.name ?? '',
            source: 'product_data',
            product_context: { sf_catalog_id: record.catalogId, model_number: record.catalogName },
            reason: 'Style is not in the Salesforce style picklist',
          },
        ]
      : [];

  // Only an admissible source: a sibling variant's price is another product's price.
  const msrpWebRetailer = candidatesFor('msrp', categoryId).find(
    (c) => c.entry.family === 'web_retailer' && c.parsed.kind === 'number',
  );
  const findings: Findings = {
    unmappedKeys,
    conflicts,
    invalidValues,
    picklistMisses,
    missingFields,
    modelMismatches,
  };

  const result: VerificationResult = {
    SF_Catalog_Id: record.catalogId,
    SF_Catalog_Name: record.catalogName,
    Primary_Attributes: primary,
    Top_Filter_Attributes: topFilters,
    Top_Filter_Attribute_Ids: topFilterIds,
    Additional_Attributes_HTML: renderAdditionalAttributes(additional),
    Price_Analysis: {
      msrp_web_retailer: msrpWebRetailer?.parsed.kind === 'number' ? msrpWebRetailer.parsed.value : 0,
      msrp_ferguson: typeof primary.Market_Value === 'number' ? primary.Market_Value : 0,
    },
    Media: {
      Primary_Image_URL: record.media.images[0] ?? '',
      All_Image_URLs: record.media.images,
      Image_Count: record.media.images.length,
    },
    Reference_Links: {
      Ferguson_URL: record.media.fergusonUrl,
      Web_Retailer_URL: record.media.referenceUrl,
      Manufacturer_URL: record.media.manufacturerUrl,
    },
    Documents: {
      total_count: record.media.documents.length,
      recommended_count: 0,
      documents: record.media.documents.map((document) => ({
        ...document,
        ai_recommendation: 'review',
        relevance_score: 0,
        reason: 'Not evaluated: verity never fetches documents named in a record',
      })),
    },
    Research_Analysis: {
      research_performed: false,
      total_resources_analyzed: 0,
      web_pages: [],
      pdfs: [],
      images: [],
      summary: {
        total_specs_extracted: record.entries.filter(isSpecEntry).length,
        total_features_extracted: Array.isArray(fieldResult('features').value)
          ? (fieldResult('features').value as string[]).length
          : 0,
        success_rate: 0,
      },
    },
    Received_Attributes_Confirmation: {
      web_retailer_specs_processed: retailerSpecs,
      ferguson_attributes_processed: fergusonAttributes,
      summary: {
        total_received_from_web_retailer: retailerSpecs.length,
        total_received_from_ferguson: fergusonAttributes.length,
        total_included_in_response: processed.filter((item) => item.status === 'included_in_response').length,
        total_in_additional_attributes: processed.filter((item) => item.status === 'included_in_additional')
          .length,
        total_not_used: processed.filter((item) => item.status === 'not_used' || item.status === 'invalid')
          .length,
      },
    },
    Field_AI_Reviews: {},
    AI_Review: {
      openai: {
        reviewed: false,
        result: 'not_reviewed',
        confidence: 0,
        fields_verified: 0,
        fields_corrected: 0,
      },
      xai: {
        reviewed: false,
        result: 'not_reviewed',
        confidence: 0,
        fields_verified: 0,
        fields_corrected: 0,
      },
      consensus: { both_reviewed: false, agreement_status: 'no_review', agreement_percentage: 0 },
    },
    Verification: {
      verification_timestamp: context.receivedAt,
      verification_session_id: context.sessionId,
      verification_score: score,
      verification_status: status,
      data_sources_used: familiesUsed,
      corrections_made: corrections,
      missing_fields: missingFields,
      confidence_scores: {
        openai: 0,
        xai: 0,
        consensus: score,
        category: category ? Math.round(100 * AGREEMENT_CREDIT[categoryResult.agreement]) : 0,
      },
      score_breakdown: {
        ai_confidence_component: 0,
        agreement_component: score,
        category_bonus: 0,
        fields_agreed: fieldsAgreed,
        fields_disagreed: fieldsDisagreed,
        total_fields: results.size,
        agreement_percentage: results.size === 0 ? 0 : Math.round((100 * fieldsAgreed) / results.size),
        data_source_scenario: scenario,
        research_performed: false,
        research_attempts: 0,
        urls_scraped: 0,
        documents_analyzed: 0,
        images_analyzed: 0,
        external_data_trusted: false,
        ...(modelMismatches.length > 0
          ? {
              model_mismatch_warning: {
                warning: `${modelMismatches.length} source(s) state another model`,
                requested_model: record.catalogName,
                found_model: modelMismatches[0]!.model,
                reason: modelMismatches[0]!.relation === 'sibling' ? 'sibling variant' : 'different product',
                impact:
                  modelMismatches[0]!.relation === 'sibling'
                    ? 'variant-specific values (finish, colour, price, UPC) from that source were not used'
                    : 'that source was not used',
              },
            }
          : {}),
      },
    },
    Attribute_Requests: attributeRequests,
    Brand_Requests: brandRequests,
    Category_Requests: categoryRequests,
    Style_Requests: styleRequests,
    Status: resultStatus,
    ...(errorMessage ? { Error_Message: errorMessage } : {}),
    Verity_Rule_Set_Version: rules.version,
    Verity_Provenance: provenance,
    Verity_Findings: findings,
  };
  return { result, status, score };
}
