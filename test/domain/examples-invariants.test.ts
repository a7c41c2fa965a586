import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { flattenRecord } from '../../src/domain/intake/flatten-record.ts';
import type { VerificationOutcome } from '../../src/domain/verification/verify-record.ts';
import { defaultRules, type ExampleIndexEntry, exampleIndex, loadExample, verify } from './support.ts';

/**
 * Invariants that hold for every example payload (examples/index.json, ~714 records of every
 * group): nothing thrown, nothing invented, the contract's value conventions, exact picklist ids,
 * determinism. Each invariant is one test that lists the records breaking it.
 */

const rules = defaultRules();

/** Primary attributes that are derived, not read from a source (so they carry no provenance). */
const DERIVED = new Set([
  'Product_Family_Verified',
  'Department_Verified',
  'Model_Number_Verified', // SF_Catalog_Name; with no SF_Catalog_Name it does carry provenance
  'Category_Id',
  'Brand_Id',
  'Style_Id',
  'Details_Verified',
]);
const isDerived = (key: string) => DERIVED.has(key) || /_Alias$|Variant|Total/.test(key);
const ANSWERS = new Set(['Not Found', 'None Identified', '']);
const NA_LIKE = new Set(['n/a', 'na', 'not applicable', 'not available', 'none', 'unknown', '-', '--']);
const STATUSES = new Set(['success', 'partial', 'failed', 'data_conflict']);
const PLACEHOLDER_UPC = '741360976603';

/** GS1 check digit, written independently of the engine's parser. */
function gs1Valid(digits: string): boolean {
  if (!/^(\d{8}|\d{12}|\d{13}|\d{14})$/.test(digits)) return false;
  const body = digits.slice(0, -1).split('').reverse();
  const sum = body.reduce((total, digit, index) => total + Number(digit) * (index % 2 === 0 ? 3 : 1), 0);
  return (10 - (sum % 10)) % 10 === Number(digits.at(-1));
}

interface Verified {
  readonly example: ExampleIndexEntry;
  readonly payload: Record<string, unknown>;
  readonly outcome: VerificationOutcome | null;
  readonly error: unknown;
}

const verified: Verified[] = [];

before(() => {
  for (const example of exampleIndex()) {
    const payload = loadExample(example.file);
    try {
      verified.push({ example, payload, outcome: verify(payload), error: null });
    } catch (error) {
      verified.push({ example, payload, outcome: null, error });
    }
  }
});

/** Runs `check` on every verified record and fails with the first problems found. */
function everyRecord(check: (record: Verified & { outcome: VerificationOutcome }) => string[]): void {
  const problems: string[] = [];
  for (const record of verified) {
    if (record.outcome === null) continue;
    for (const problem of check(record as Verified & { outcome: VerificationOutcome }))
      problems.push(`${record.example.file}: ${problem}`);
  }
  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problem(s)`);
}

describe('every example payload', () => {
  test('is the whole corpus: every group, about 714 files', () => {
    assert.ok(verified.length >= 700, `only ${verified.length} examples`);
    const groups = new Set(verified.map((record) => record.example.group));
    for (const group of ['peer-jobs', 'legacy-rename', 'open-fixture-library', 'icecat', 'unihack-lighting'])
      assert.ok(groups.has(group), group);
  });

  test('verifyRecord never throws', () => {
    const thrown = verified
      .filter((record) => record.outcome === null)
      .map((record) => `${record.example.file}: ${String(record.error)}`);
    assert.deepEqual(thrown, []);
  });

  test('no value is invented: every provenance source is an entry of the flattened record, with its value', () => {
    everyRecord(({ payload, outcome }) => {
      const entries = new Map(flattenRecord(payload, rules).entries.map((entry) => [entry.path, entry]));
      const problems: string[] = [];
      for (const [output, provenance] of Object.entries(outcome.result.Verity_Provenance)) {
        if (provenance.sources.length === 0) problems.push(`${output} has no source`);
        for (const source of provenance.sources) {
          if (source.path === 'SF_Catalog_Name') {
            // The one contract field that is a source: the authoritative model.
            if (typeof payload.SF_Catalog_Name !== 'string' || payload.SF_Catalog_Name === '')
              problems.push(`${output} cites SF_Catalog_Name, which the payload lacks`);
            continue;
          }
          const entry = entries.get(source.path);
          if (!entry) problems.push(`${output} cites ${source.path}, which is not in the record`);
          else assert.deepEqual(source.value, entry.value, `${output} <- ${source.path}`);
        }
      }
      return problems;
    });
  });

  test('every stated primary attribute and Top-15 value has provenance', () => {
    everyRecord(({ outcome }) => {
      const { result } = outcome;
      const problems: string[] = [];
      for (const [key, value] of Object.entries(result.Primary_Attributes)) {
        if (isDerived(key) || value === null || ANSWERS.has(String(value))) continue;
        if (!result.Verity_Provenance[`Primary_Attributes.${key}`])
          problems.push(`${key} = ${JSON.stringify(value).slice(0, 60)} has no provenance`);
      }
      for (const [key, value] of Object.entries(result.Top_Filter_Attributes)) {
        if (value === null || value === 'Not Found' || value === '') continue;
        if (!result.Verity_Provenance[`Top_Filter_Attributes.${key}`])
          problems.push(`Top_Filter_Attributes.${key} has no provenance`);
      }
      return problems;
    });
  });

  test(`no placeholder UPC: ${PLACEHOLDER_UPC} appears only when a source has it`, () => {
    everyRecord(({ payload, outcome }) =>
      JSON.stringify(outcome.result).includes(PLACEHOLDER_UPC) &&
      !JSON.stringify(payload).includes(PLACEHOLDER_UPC)
        ? ['placeholder UPC in the output']
        : [],
    );
  });

  test('every UPC in the output passes the GS1 check digit and is stated by a source', () => {
    everyRecord(({ outcome }) => {
      const upc = outcome.result.Primary_Attributes.UPC_GTIN_Verified;
      if (upc === 'Not Found') return [];
      const problems: string[] = [];
      if (typeof upc !== 'string' || !gs1Valid(upc)) problems.push(`UPC ${upc} fails the GS1 check digit`);
      const sources = outcome.result.Verity_Provenance['Primary_Attributes.UPC_GTIN_Verified']?.sources ?? [];
      const digits = (value: unknown) => String(value).replace(/\D/g, '').replace(/^0+/, '');
      if (!sources.some((source) => digits(source.value) === digits(upc)))
        problems.push(`UPC ${upc} is stated by no source`);
      return problems;
    });
  });

  test('Market_Value* and number-typed Top-15 values are numbers or null, never strings', () => {
    everyRecord(({ outcome }) => {
      const { result } = outcome;
      const problems: string[] = [];
      for (const key of ['Market_Value', 'Market_Value_Min', 'Market_Value_Max']) {
        const value = result.Primary_Attributes[key];
        if (value !== null && (typeof value !== 'number' || !Number.isFinite(value)))
          problems.push(`${key} = ${JSON.stringify(value)}`);
      }
      const categoryId = result.Primary_Attributes.Category_Id;
      const filter = typeof categoryId === 'string' ? rules.filtersByCategoryId.get(categoryId) : undefined;
      for (const attribute of filter?.attributes ?? []) {
        if (attribute.type !== 'number') continue;
        const value = result.Top_Filter_Attributes[attribute.field];
        if (value !== null && (typeof value !== 'number' || !Number.isFinite(value)))
          problems.push(`Top_Filter_Attributes.${attribute.field} = ${JSON.stringify(value)}`);
      }
      return problems;
    });
  });

  test('Status is success, partial, failed or data_conflict, and matches the verification status', () => {
    const byStatus: Record<string, string> = {
      verified: 'success',
      needs_review: 'partial',
      failed: 'failed',
      data_conflict: 'data_conflict',
    };
    everyRecord(({ outcome }) => {
      const problems: string[] = [];
      if (!STATUSES.has(outcome.result.Status)) problems.push(`Status ${outcome.result.Status}`);
      if (byStatus[outcome.status] !== outcome.result.Status)
        problems.push(`Status ${outcome.result.Status} for ${outcome.status}`);
      if (
        (outcome.result.Status === 'failed' || outcome.result.Status === 'data_conflict') &&
        typeof outcome.result.Error_Message !== 'string'
      )
        problems.push('no Error_Message');
      return problems;
    });
  });

  test('N/A-like strings are blanked to "" in Primary_Attributes and Top_Filter_Attributes', () => {
    everyRecord(({ outcome }) => {
      const problems: string[] = [];
      for (const section of ['Primary_Attributes', 'Top_Filter_Attributes'] as const) {
        for (const [key, value] of Object.entries(outcome.result[section])) {
          if (typeof value === 'string' && NA_LIKE.has(value.trim().toLowerCase()))
            problems.push(`${section}.${key} = ${JSON.stringify(value)}`);
        }
      }
      return problems;
    });
  });

  test('Brand_Id, Category_Id and Style_Id name picklist entries whose names match the output exactly', () => {
    const picklists = rules.rules.picklists;
    const checks = [
      ['Brand_Id', 'Brand_Verified', picklists.brands],
      ['Category_Id', 'Category_Verified', picklists.categories],
      ['Style_Id', 'Product_Style_Verified', picklists.styles],
    ] as const;
    everyRecord(({ outcome }) => {
      const primary = outcome.result.Primary_Attributes;
      const problems: string[] = [];
      for (const [idKey, nameKey, picklist] of checks) {
        const id = primary[idKey];
        if (id === null) continue;
        const entries = (picklist as readonly { id: string; name: string }[]).filter(
          (entry) => entry.id === id,
        );
        if (!entries.some((entry) => entry.name === primary[nameKey]))
          problems.push(`${idKey} ${id} is not the id of ${nameKey} ${JSON.stringify(primary[nameKey])}`);
      }
      return problems;
    });
  });

  test('is deterministic: a second run and a JSON round trip of the payload give the same bytes', () => {
    everyRecord(({ payload, outcome }) => {
      const first = JSON.stringify(outcome.result);
      const second = JSON.stringify(verify(payload).result);
      const roundTrip = JSON.stringify(verify(JSON.parse(JSON.stringify(payload))).result);
      return [
        ...(second === first ? [] : ['a second run differs']),
        ...(roundTrip === first ? [] : ['the JSON round trip differs']),
      ];
    });
  });

  test('reports the status distribution and the most common unmapped keys', (context) => {
    const statuses = new Map<string, number>();
    const unmapped = new Map<string, number>();
    for (const record of verified) {
      if (!record.outcome) continue;
      const status = record.outcome.result.Status;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      const keys = new Set(
        record.outcome.result.Verity_Findings.unmappedKeys.map((key) => `${key.family}:${key.normalisedKey}`),
      );
      for (const key of keys) unmapped.set(key, (unmapped.get(key) ?? 0) + 1);
    }
    context.diagnostic(`status: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    const top = [...unmapped].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 15);
    context.diagnostic(
      `unmapped keys (records carrying each): ${top.map(([k, n]) => `${k} ${n}`).join('; ')}`,
    );
    assert.equal(
      [...statuses.values()].reduce((sum, count) => sum + count, 0),
      verified.length,
    );
  });
});
