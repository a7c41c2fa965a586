import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { decodeEntities, isBlankLike, normaliseSpace, splitLines, stripTags, toTitle } from './text.ts';

describe('decodeEntities', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['5.25&quot; DIA', '5.25" DIA'],
    ['52.00&quot;', '52.00"'],
    ['Blade Finish &amp; Specs', 'Blade Finish & Specs'],
    ['Metal &amp; Glass', 'Metal & Glass'],
    ['A&nbsp;B', 'A\u00a0B'],
    ['&lt;b&gt;', '<b>'],
    ['True&#39;s convenient', "True's convenient"],
    ['Evergrind&reg;', 'Evergrind®'],
    ['Even-Heat&trade;', 'Even-Heat™'],
    ['18&deg;', '18°'],
    ['&#x27;&#X41;', "'A"],
    ['&#8209;', '\u2011'],
    ['&#146;', '\u2019'],
    ['&#0;', '\uFFFD'],
    ['&#xD800;', '\uFFFD'],
    ['&#99999999999;', '\uFFFD'],
    ['&eacute;t&eacute;', 'été'],
    ['&amp;quot;', '&quot;'],
    ['&unknown; &amp', '&unknown; &amp'],
    ['no entities', 'no entities'],
  ];
  for (const [input, expected] of cases) {
    test(JSON.stringify(input), () => assert.equal(decodeEntities(input), expected));
  }
});

describe('stripTags', () => {
  test('keeps the text, one line per block, entities decoded', () => {
    assert.equal(
      stripTags('<p>Stay <b>one</b> step&nbsp;ahead</p><p>True&#39;s remote</p>'),
      "Stay one step ahead\nTrue's remote",
    );
    assert.equal(stripTags('<ul><li>A</li><li>B<br>C</li></ul>'), 'A\nB\nC');
    assert.equal(stripTags('<p><br></p>'), '');
    assert.equal(stripTags('<script>alert(1)</script>visible'), 'visible');
    assert.equal(stripTags('plain &amp; simple'), 'plain & simple');
    assert.equal(stripTags('<div unclosed <b>x'), 'x');
  });
});

describe('normaliseSpace', () => {
  test('collapses every kind of space and trims', () => {
    assert.equal(normaliseSpace('\u00a05.7'), '5.7');
    assert.equal(normaliseSpace(' a \t\r\n b\u3000c\u2009d '), 'a b c d');
    assert.equal(normaliseSpace('ze\u200Bro\uFEFF'), 'zero');
  });

  test('keeps Unicode hyphens unless asked', () => {
    assert.equal(normaliseSpace('200\u2011240V'), '200\u2011240V');
    assert.equal(normaliseSpace('200\u2011240V \u2013 x', { asciiHyphens: true }), '200-240V - x');
  });

  test('property: idempotent and never has leading, trailing or doubled spaces', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const once = normaliseSpace(text);
        assert.equal(normaliseSpace(once), once);
        assert.ok(!/^\s|\s$|\s\s/u.test(once));
      }),
    );
  });
});

/** Text made of the pieces the fast paths look at: spaces of every kind, zero-width characters, fences, blank words. */
const tricky = fc
  .array(
    fc.constantFrom(
      ' ',
      '  ',
      '\t',
      '\r\n',
      '\u00a0',
      '\u3000',
      '\u200B',
      '\uFEFF',
      '-',
      '\u2014',
      '[',
      ']',
      '<',
      '>',
      '(',
      ')',
      'n/a',
      'NA',
      'none',
      'No',
      'not set',
      'Unknown',
      'un',
      'x',
      'Brand',
      '0',
    ),
    { maxLength: 8 },
  )
  .map((pieces) => pieces.join(''));

describe('normaliseSpace fast path', () => {
  test('property: gives what the two replacements and the trim give', () => {
    fc.assert(
      fc.property(fc.oneof(tricky, fc.string({ unit: 'grapheme' })), (text) => {
        const reference = text
          .replace(/[\u200B\u2060\uFEFF]/gu, '')
          .replace(/\s+/gu, ' ')
          .trim();
        assert.equal(normaliseSpace(text), reference);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('isBlankLike fast path', () => {
  // The rule as documented, without the first-character shortcut.
  const spellings = new Set(['n/a', 'na', 'n.a.', 'not applicable', 'not available', 'none', 'unknown']);
  const reference = (text: string) => {
    const normalised = normaliseSpace(text).toLowerCase();
    return (
      normalised === '' ||
      /^[-\u2010-\u2015\u2212]+$/u.test(normalised) ||
      /^(?:-{1,3}|\[|<|\()\s*(?:no|none|not|n\/a|un[a-z]*)\b.*?(?:-{1,3}|\]|>|\))$/.test(normalised) ||
      spellings.has(normalised)
    );
  };
  test('property: the first-character shortcut never changes the answer', () => {
    fc.assert(
      fc.property(fc.oneof(tricky, fc.string({ unit: 'grapheme' })), (text) => {
        assert.equal(isBlankLike(text), reference(text));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('splitLines', () => {
  test('splits CRLF, CR and LF, trims, drops empties', () => {
    assert.deepEqual(splitLines('Brands\r\nKichler\r\nFans'), ['Brands', 'Kichler', 'Fans']);
    assert.deepEqual(splitLines(' a \r\rb\n\n c\u00a0\n'), ['a', 'b', 'c']);
    assert.deepEqual(splitLines(''), []);
  });
});

describe('toTitle', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['GARBAGE DISPOSALS', 'Garbage Disposals'],
    ['ceiling fans', 'Ceiling Fans'],
    ['52-inch lighted', '52-Inch Lighted'],
    ['product/ordering information', 'Product/Ordering Information'],
    ['KitchenAid wall oven', 'KitchenAid Wall Oven'],
    ['works with iOS', 'Works With iOS'],
    ["TRUE'S remote", "True's Remote"],
    ['2nd  rack', '2nd Rack'],
    ['ASME CODE', 'Asme Code'],
  ];
  for (const [input, expected] of cases) {
    test(JSON.stringify(input), () => assert.equal(toTitle(input), expected));
  }
});

describe('isBlankLike', () => {
  const blank: readonly unknown[] = [
    'N/A',
    'NA',
    'n/a',
    'Not Applicable',
    'Not Available',
    'None',
    'Unknown',
    '-',
    '--',
    '',
    '   ',
    '\u00a0',
    ' none ',
    'NOT APPLICABLE',
    // Item masters' fenced placeholders (real unihack distributor columns).
    '-- No DIB Brand --',
    '-- No Unilog Brand --',
    '-- Unbranded --',
    '[none]',
    '<not set>',
    null,
    undefined,
  ];
  const notBlank: readonly unknown[] = [
    'Not Found',
    'None Identified',
    '0',
    0,
    false,
    'Grey',
    'NAB',
    '-5',
    '-- Satco --',
    'No Frost',
    'Unilever',
    {},
    [],
  ];
  for (const value of blank)
    test(`${JSON.stringify(value)} is blank`, () => assert.equal(isBlankLike(value), true));
  for (const value of notBlank) {
    test(`${JSON.stringify(value)} is not blank`, () => assert.equal(isBlankLike(value), false));
  }
});
