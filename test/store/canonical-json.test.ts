import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { canonicalJson } from '../../src/store/json.ts';

test("canonical JSON is the same value as JSON.stringify, with every object's keys in sorted order", () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      assert.deepEqual(JSON.parse(canonicalJson(value)), JSON.parse(JSON.stringify(value)));
    }),
  );
  assert.equal(
    canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 4, e: 5 }] }, '': 0, '0': 1 }),
    '{"":0,"0":1,"a":{"c":[3,{"e":5,"f":4}],"d":2},"b":1}',
  );
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

test('any nesting depth is written without overflowing the call stack', () => {
  let value: unknown = 1;
  for (let level = 0; level < 100_000; level += 1) value = level % 2 === 0 ? [value] : { a: value };
  const text = canonicalJson(value);
  assert.equal(text.length, 400_001);
  assert.ok(text.startsWith('{"a":[{"a":[') && text.endsWith(']}]}'));
});
