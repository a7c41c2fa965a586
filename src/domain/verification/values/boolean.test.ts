import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseBoolean } from './boolean.ts';

describe('parseBoolean', () => {
  const cases: ReadonlyArray<readonly [unknown, boolean | null]> = [
    ['Yes', true],
    ['yes', true],
    [' YES ', true],
    ['Y', true],
    ['true', true],
    ['TRUE', true],
    ['1', true],
    [1, true],
    [true, true],
    ['Included', true],
    ['with', true],
    ['Available', true],
    ['Yes.', true],
    ['No', false],
    ['n', false],
    ['False', false],
    ['0', false],
    [0, false],
    [false, false],
    ['Not Included', false],
    ['not\u00a0included', false],
    ['Without', false],
    ['Unavailable', false],
    ['None', null],
    ['N/A', null],
    ['Optional', null],
    ['Star K Certified', null],
    ['Not Found', null],
    ['', null],
    [2, null],
    [null, null],
    [undefined, null],
    [{}, null],
  ];
  for (const [raw, expected] of cases) {
    test(`${String(JSON.stringify(raw))} → ${expected}`, () => assert.equal(parseBoolean(raw), expected));
  }

  test('every yes/no answer in the real records is read', (t) => {
    const file = new URL(
      '../../../../../shared/corpus/raw/topmcon-catalog-verification-api/test-data/production-jobs-snapshot.json',
      import.meta.url,
    );
    if (!existsSync(file)) {
      t.skip('topmcon corpus not present');
      return;
    }
    const payload = JSON.parse(readFileSync(file, 'utf8'))[0].rawPayload;
    const values: string[] = [...payload.Web_Retailer_Specs, ...payload.Ferguson_Attributes].map(
      (pair: { value: string }) => pair.value,
    );
    const answers = values.filter((value) => /^(yes|no)$/iu.test(value));
    assert.ok(answers.length > 10);
    for (const answer of answers) assert.equal(parseBoolean(answer), answer.toLowerCase() === 'yes');
  });

  test('property: never throws, and only yes/no spellings give a boolean', () => {
    fc.assert(
      fc.property(fc.anything(), (raw) => {
        const result = parseBoolean(raw);
        assert.ok(result === null || typeof result === 'boolean');
      }),
    );
    fc.assert(
      fc.property(fc.constantFrom('yes', 'no', 'included', 'not included'), fc.boolean(), (word, upper) => {
        assert.notEqual(parseBoolean(`  ${upper ? word.toUpperCase() : word} `), null);
      }),
    );
  });
});
