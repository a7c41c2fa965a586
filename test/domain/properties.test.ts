import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { SourceEntry } from '../../src/domain/intake/flatten-record.ts';
import type { Candidate, ParsedValue } from '../../src/domain/verification/candidates.ts';
import { splitColorAndFinish } from '../../src/domain/verification/color-and-finish.ts';
import { modelRelation } from '../../src/domain/verification/model-relation.ts';
import { compactValue, normaliseKey } from '../../src/domain/verification/normalise.ts';
import { reconcile } from '../../src/domain/verification/reconcile.ts';
import { defaultRules } from './support.ts';

/** Property-based tests of the engine's normalisers and of reconciliation (CONVENTIONS.md: fast-check for parsers and normalisers). */

const RUNS = { numRuns: 300 };

// A word of a key: two or more letters, then perhaps digits (`watts`, `e1`, `cfm2`). Shorter or
// digit-led words are ambiguous in camelCase (`mfgXName`, `a0A0a`) and are covered by examples below.
const word = fc.stringMatching(/^[a-z]{2,7}[0-9]{0,2}$/);
const words = fc.array(word, { minLength: 1, maxLength: 5 });
const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The same key as different sources spell it. */
const styles: Record<string, (list: readonly string[]) => string> = {
  'MFG Brand Name': (list) => [list[0]!.toUpperCase(), ...list.slice(1).map(capitalise)].join(' '),
  mfg_brand_name: (list) => list.join('_'),
  MFG_Brand_Name__c: (list) => `${[list[0]!.toUpperCase(), ...list.slice(1).map(capitalise)].join('_')}__c`,
  mfgBrandName: (list) => list[0]! + list.slice(1).map(capitalise).join(''),
};

describe('normaliseKey', () => {
  test('is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (key) => {
        const once = normaliseKey(key);
        assert.equal(normaliseKey(once), once);
      }),
      RUNS,
    );
  });

  test('maps MFG Brand Name, mfg_brand_name, MFG_Brand_Name__c and mfgBrandName to one key', () => {
    assert.equal(normaliseKey('MFG Brand Name'), 'mfg brand name');
    for (const spelling of ['mfg_brand_name', 'MFG_Brand_Name__c', 'mfgBrandName'])
      assert.equal(normaliseKey(spelling), 'mfg brand name', spelling);
    fc.assert(
      fc.property(words, (list) => {
        const expected = list.join(' ');
        for (const [style, render] of Object.entries(styles))
          assert.equal(normaliseKey(render(list)), expected, `${style}: ${render(list)}`);
      }),
      RUNS,
    );
  });

  test('keeps a digit and the capital letter after it together (`3G standards` is `3g_standards`)', () => {
    // Regression: a digit followed by a capital was split like a camelCase boundary, so Icecat's
    // spec name `3G standards` became `3 g standards` while `3g_standards` stayed `3g standards`.
    assert.equal(normaliseKey('3G standards'), normaliseKey('3g_standards'));
    assert.equal(normaliseKey('Talk time (4G)'), 'talk time 4g');
    assert.equal(normaliseKey('model2Name'), 'model2 name');
  });
});

describe('compactValue', () => {
  const punctuation = fc.constantFrom(' ', '  ', '-', '_', '.', ',', '/', '(', ')', '&', "'", '"', ':', '\t');
  test('ignores case, spacing and punctuation', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[A-Za-z0-9]{1,8}$/), { minLength: 1, maxLength: 5 }),
        fc.array(punctuation, { minLength: 5, maxLength: 5 }),
        fc.boolean(),
        (parts, separators, upper) => {
          const plain = parts.join('');
          const decorated = parts.map((part, index) => part + (separators[index] ?? '')).join('');
          const cased = upper ? decorated.toUpperCase() : decorated.toLowerCase();
          assert.equal(compactValue(cased), compactValue(plain));
          assert.equal(compactValue(plain), plain.toLowerCase());
        },
      ),
      RUNS,
    );
  });
});

// --- reconcile -------------------------------------------------------------------------------

function candidate(index: number, priority: number, parsed: ParsedValue): Candidate {
  const entry: SourceEntry = {
    family: `family_${index}`,
    key: 'Width',
    normalisedKey: 'width',
    value: parsed.kind === 'number' || parsed.kind === 'text' ? parsed.value : null,
    path: `Source_${index}`,
    unit: null,
    group: null,
  };
  return { field: 'width', entry, priority, parsed };
}
const numberValue = (value: number): ParsedValue => ({ kind: 'number', value, unit: 'in', unitStated: true });
const textValue = (value: string): ParsedValue => ({ kind: 'text', value });

/** Distinct priorities, one per candidate. */
const distinctPriorities = (length: number) =>
  fc.uniqueArray(fc.integer({ min: 0, max: 100 }), { minLength: length, maxLength: length });

/** Readings of one measure: near one base value (within a few per cent) or anywhere. */
const numericCandidates = fc
  .tuple(
    fc.integer({ min: 1, max: 60 }),
    fc.array(
      fc.oneof(
        fc.double({ min: -0.03, max: 0.03, noNaN: true }),
        fc.constantFrom(0, 0.015, -0.015, 0.02, -0.02),
        fc.double({ min: -0.9, max: 2, noNaN: true }),
      ),
      { minLength: 1, maxLength: 7 },
    ),
  )
  .map(([base, offsets]) => offsets.map((offset) => base * (1 + offset)))
  .chain((values) =>
    distinctPriorities(values.length).map((priorities) =>
      values.map((value, index) => candidate(index, priorities[index]!, numberValue(value))),
    ),
  );
const textCandidates = fc
  .array(fc.constantFrom('Satin Nickel', 'satin-nickel', 'Black', 'BLACK', 'White', 'Brushed Brass'), {
    minLength: 1,
    maxLength: 7,
  })
  .chain((values) =>
    distinctPriorities(values.length).map((priorities) =>
      values.map((value, index) => candidate(index, priorities[index]!, textValue(value))),
    ),
  );

describe('reconcile', () => {
  for (const [name, generator] of [
    ['numbers', numericCandidates],
    ['text', textCandidates],
  ] as const) {
    test(`chooses the same value whatever the candidates' order (${name}, distinct priorities)`, () => {
      fc.assert(
        fc.property(
          generator.chain((list) =>
            fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length })),
          ),
          ([list, shuffled]) => {
            const a = reconcile('width', list, { tolerance: 0.02 });
            const b = reconcile('width', shuffled, { tolerance: 0.02 });
            assert.deepEqual(b.value, a.value);
            assert.equal(b.agreement, a.agreement);
          },
        ),
        RUNS,
      );
    });
  }

  test('a candidate that agrees with the winner never turns agreed into conflict', () => {
    fc.assert(
      fc.property(
        numericCandidates,
        fc.double({ min: -0.02, max: 0.02, noNaN: true }),
        fc.integer({ min: 0, max: 100 }),
        (list, offset, priority) => {
          const before = reconcile('width', list, { tolerance: 0.02 });
          fc.pre(before.agreement === 'agreed');
          const winner = before.value as number;
          const extra = candidate(list.length, priority, numberValue(winner * (1 + offset)));
          const after = reconcile('width', [...list, extra], { tolerance: 0.02 });
          assert.notEqual(after.agreement, 'conflict', JSON.stringify({ winner, extra: extra.parsed }));
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('an agreeing text candidate never turns agreed into conflict', () => {
    fc.assert(
      fc.property(textCandidates, fc.integer({ min: 0, max: 100 }), (list, priority) => {
        const before = reconcile('color', list);
        fc.pre(before.agreement === 'agreed');
        const extra = candidate(list.length, priority, textValue(String(before.value).toUpperCase()));
        assert.notEqual(reconcile('color', [...list, extra]).agreement, 'conflict');
      }),
      RUNS,
    );
  });
});

describe('modelRelation', () => {
  test('a model is the same as itself', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (model) => {
        assert.equal(modelRelation(model, model), 'same');
      }),
      RUNS,
    );
  });
});

describe('splitColorAndFinish', () => {
  const finishTerms = defaultRules().finishTerms;
  const finishWords = [...new Set(finishTerms.flatMap((term) => term.split(' ')))];
  const colourWord = fc.constantFrom(
    'Black',
    'White',
    'Natural',
    'Bronze',
    'Stainless',
    'Steel',
    'Nickel',
    'Gray',
  );
  const anyWord = fc.oneof(
    colourWord,
    fc.constantFrom(...finishWords),
    fc.constantFrom('Finish', 'finish', 'and', 'AND'),
    fc.stringMatching(/^[A-Za-z]{1,9}$/),
  );
  const separator = fc.constantFrom(' ', ' ', ', ', '/', ' & ', ' - ');
  const wordsOf = (text: string | null) =>
    (text ?? '').split(/[\s,/]+/).filter((item) => item !== '' && item !== '&' && item !== '-');
  test('never loses a word: finish words + colour words = input words minus "finish" and "and"', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(anyWord, separator), { minLength: 1, maxLength: 8 }), (pairs) => {
        const text = pairs.map(([item, gap], index) => (index === 0 ? item : gap + item)).join('');
        const split = splitColorAndFinish(text, finishTerms);
        const out = [...wordsOf(split.finish), ...wordsOf(split.color)];
        const expected = pairs
          .map(([item]) => item)
          .filter((item) => !['finish', 'and'].includes(item.toLowerCase()));
        assert.deepEqual([...out].sort(), [...expected].sort(), text);
      }),
      RUNS,
    );
  });
  test('keeps the separators between colours: "Black, White" is two colours, not "Black White"', () => {
    // Regression: the words were re-joined with spaces, so Icecat's "Black, White" became the
    // colour "Black White", which no source states.
    assert.deepEqual(splitColorAndFinish('Black, White', finishTerms), {
      finish: null,
      color: 'Black, White',
    });
    assert.deepEqual(splitColorAndFinish('Brushed Nickel, Matte Black', finishTerms), {
      finish: 'Brushed, Matte',
      color: 'Nickel, Black',
    });
    assert.deepEqual(splitColorAndFinish('Black/White', finishTerms).color, 'Black/White');
  });
  test('splits the fan finish into a finish and a colour', () => {
    assert.deepEqual(splitColorAndFinish('Satin Natural Bronze', finishTerms), {
      finish: 'Satin',
      color: 'Natural Bronze',
    });
    assert.deepEqual(splitColorAndFinish('Stainless Steel', finishTerms), {
      finish: null,
      color: 'Stainless Steel',
    });
  });
});
