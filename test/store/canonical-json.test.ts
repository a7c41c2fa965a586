import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { canonicalJson } from '../../src/store/json.ts';

/** A reference implementation: sorted copies, then JSON.stringify. */
function sortedCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedCopy);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortedCopy((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

test('canonical JSON equals JSON.stringify of a key-sorted copy', () => {
  fc.assert(fc.property(fc.jsonValue(), (value) => canonicalJson(value) === JSON.stringify(sortedCopy(value))));
});

test('key order does not change the canonical text', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (record) => {
      const reversed = Object.fromEntries(Object.entries(record).reverse());
      return canonicalJson(record) === canonicalJson(reversed);
    }),
  );
});

test('undefined members are skipped as JSON.stringify skips them', () => {
  assert.equal(canonicalJson({ b: 1, a: undefined, c: [undefined] }), '{"b":1,"c":[null]}');
});
