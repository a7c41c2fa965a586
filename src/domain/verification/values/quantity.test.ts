import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseSpecificationTable } from './html-spec-table.ts';
import { parseDimensionTriple, parseQuantities, parseQuantity, type Quantity } from './quantity.ts';
import { type CanonicalUnit, DEFAULT_UNIT_ALIASES, isCanonicalUnit } from './units.ts';

const units = DEFAULT_UNIT_ALIASES;
const corpus = new URL('../../../../../shared/corpus/raw/', import.meta.url);
const topmconFile = (name: string): URL =>
  new URL(`topmcon-catalog-verification-api/test-data/${name}`, corpus);
const softstoreFile = new URL('softstore-gearshop-lighting/softstore-products.csv', corpus);

type Expected = ReadonlyArray<readonly [number, CanonicalUnit | null]>;

function assertQuantities(actual: readonly Quantity[], expected: Expected): void {
  assert.equal(actual.length, expected.length, JSON.stringify(actual));
  expected.forEach(([value, unit], index) => {
    const quantity = actual[index];
    assert.ok(quantity !== undefined);
    assert.ok(Math.abs(quantity.value - value) <= 1e-9, `${quantity.value} ≉ ${value}`);
    assert.equal(quantity.unit, unit);
  });
}

/** Values as they appear in the corpus (PEER-CONTRACT.md §3 and the softstore lighting sheet). */
const REAL_VALUES: ReadonlyArray<readonly [unknown, Expected]> = [
  [11, [[11, null]]],
  [75.93, [[75.93, null]]],
  ['11', [[11, null]]],
  ['5.7', [[5.7, null]]],
  ['0.49', [[0.49, null]]],
  ['26.9375', [[26.9375, null]]],
  ['7-2/5 in', [[7.4, 'in']]],
  ['6-31/100 in', [[6.31, 'in']]],
  ['6-5/16 in', [[6.3125, 'in']]],
  ['11 1/2', [[11.5, null]]],
  ['11-1/2 in', [[11.5, 'in']]],
  ['7 3/16', [[7.1875, null]]],
  ['7 1/4', [[7.25, null]]],
  ['4 5/8', [[4.625, null]]],
  ['29 3/4', [[29.75, null]]],
  ['26 15/16', [[26.9375, null]]],
  ['38 5/8', [[38.625, null]]],
  ['1/3 hp', [[1 / 3, 'hp']]],
  ['03', [[3, null]]],
  ['26 oz', [[26, 'oz']]],
  ['11 lb', [[11, 'lb']]],
  ['29.75 in.', [[29.75, 'in']]],
  ['26.9375 in.', [[26.9375, 'in']]],
  ['52.00"', [[52, 'in']]],
  ['52 in.', [[52, 'in']]],
  ['13.5 in.', [[13.5, 'in']]],
  ['5.25" DIA', [[5.25, 'in']]],
  ['5.25&quot; DIA', [[5.25, 'in']]],
  ['52&quot;', [[52, 'in']]],
  ["27''", [[27, 'in']]],
  ['7" Evergrind Continuous Feed Garbage', [[7, 'in']]],
  ['18.0 Degrees', [[18, 'deg']]],
  ['120.00V', [[120, 'V']]],
  ['2800W', [[2800, 'W']]],
  [
    '68.58 cm, 27 in',
    [
      [68.58, 'cm'],
      [27, 'in'],
    ],
  ],
  [
    '92.53 kg, 41.96 kg, 204 lbs, 92.517 lbs',
    [
      [92.53, 'kg'],
      [41.96, 'kg'],
      [204, 'lb'],
      [92.517, 'lb'],
    ],
  ],
  [
    '75.93 kg, 167-2/5 lbs',
    [
      [75.93, 'kg'],
      [167.4, 'lb'],
    ],
  ],
  [
    '68.42 cm, 26-469/500 in',
    [
      [68.42, 'cm'],
      [26.938, 'in'],
    ],
  ],
  [
    '72.39 cm, 28-1/2 in',
    [
      [72.39, 'cm'],
      [28.5, 'in'],
    ],
  ],
  [
    '141.50 l, 5 cu. ft.',
    [
      [141.5, 'l'],
      [5, 'cu_ft'],
    ],
  ],
  [
    '3200 W, 3200 W',
    [
      [3200, 'W'],
      [3200, 'W'],
    ],
  ],
  [
    '90 x 16',
    [
      [90, null],
      [16, null],
    ],
  ],
  [
    '1.00 x 4.50',
    [
      [1, null],
      [4.5, null],
    ],
  ],
  ['60W', [[60, 'W']]],
  ['120V', [[120, 'V']]],
  ['2700K', [[2700, 'K']]],
  ['25w', [[25, 'W']]],
  ['350W', [[350, 'W']]],
  ['100 watts', [[100, 'W']]],
  ['1560G', [[1560, 'g']]],
  ['367G', [[367, 'g']]],
  ['5.7 A', [[5.7, 'A']]],
  ['30dB', [[30, 'dB']]],
  ['120°', [[120, 'deg']]],
  [
    '18000LM / 26000LM',
    [
      [18000, 'lm'],
      [26000, 'lm'],
    ],
  ],
  [
    '20V 3A',
    [
      [20, 'V'],
      [3, 'A'],
    ],
  ],
  [
    '19V=5A',
    [
      [19, 'V'],
      [5, 'A'],
    ],
  ],
  [
    '200-240V',
    [
      [200, 'V'],
      [240, 'V'],
    ],
  ],
  [
    '200\u2011240V',
    [
      [200, 'V'],
      [240, 'V'],
    ],
  ],
  [
    '200-220v',
    [
      [200, 'V'],
      [220, 'V'],
    ],
  ],
  [
    'AC200-220V',
    [
      [200, 'V'],
      [220, 'V'],
    ],
  ],
  [
    '2700\u20116500K ±200K',
    [
      [2700, 'K'],
      [6500, 'K'],
    ],
  ],
  [
    '2700-7500K+200K',
    [
      [2700, 'K'],
      [7500, 'K'],
    ],
  ],
  [
    '2700K-6500K',
    [
      [2700, 'K'],
      [6500, 'K'],
    ],
  ],
  [
    '0-100%',
    [
      [0, null],
      [100, null],
    ],
  ],
  [
    '219.7*147*114.5MM',
    [
      [219.7, 'mm'],
      [147, 'mm'],
      [114.5, 'mm'],
    ],
  ],
  [
    '375 x 260 x 180 mm',
    [
      [375, 'mm'],
      [260, 'mm'],
      [180, 'mm'],
    ],
  ],
  ['≥95', [[95, null]]],
  ['≥96', [[96, null]]],
  ['95+', [[95, null]]],
  ['High CRI 97+', [[97, null]]],
  ['4,940 CFM', [[4940, 'cfm']]],
  ['11½ in', [[11.5, 'in']]],
  ['１２０Ｖ', [[120, 'V']]],
  ['350°F', [[350, null]]],
  ['192pcs', [[192, null]]],
];

const EMPTY: readonly unknown[] = [
  null,
  undefined,
  '',
  '   ',
  'N/A',
  'None',
  '-',
  '--',
  'Not Found',
  'None Identified',
  'Grey',
  'Yes',
  'Evergrind®',
  'DC Brushless',
  'KCES550; KCES556; KCES950',
  'YB-300R',
  'YM350',
  true,
  [],
  {},
  Number.NaN,
  Number.POSITIVE_INFINITY,
];

describe('parseQuantities: real values', () => {
  for (const [raw, expected] of REAL_VALUES) {
    test(JSON.stringify(raw), () => assertQuantities(parseQuantities(raw, units), expected));
  }
  for (const raw of EMPTY) {
    test(`${String(JSON.stringify(raw))} states no quantity`, () => {
      assert.deepEqual(parseQuantities(raw, units), []);
      assert.equal(parseQuantity(raw, units), null);
    });
  }

  test('parseQuantity is the first quantity', () => {
    assert.deepEqual(parseQuantity('68.58 cm, 27 in', units), { value: 68.58, unit: 'cm' });
  });

  test('a Ferguson { value, units } pair takes its stated unit', () => {
    assertQuantities(parseQuantities({ value: '24.75', units: 'in.' }, units), [[24.75, 'in']]);
    assertQuantities(parseQuantities({ value: '167.4', units: 'lbs.' }, units), [[167.4, 'lb']]);
    assertQuantities(parseQuantities({ value: '20', units: 'Degrees' }, units), [[20, 'deg']]);
    assertQuantities(parseQuantities({ value: '4940', units: null }, units), [[4940, null]]);
  });

  test('an alias added by a fix is used; an unknown spelling gives a null unit', () => {
    assertQuantities(parseQuantities('12 zoll', units), [[12, null]]);
    assertQuantities(parseQuantities('12 zoll', { ...units, zoll: 'in' }), [[12, 'in']]);
  });

  test('the softstore values above are real: they appear in the sheet', (t) => {
    if (!existsSync(softstoreFile)) {
      t.skip('softstore corpus not present');
      return;
    }
    const sheet = readFileSync(softstoreFile, 'utf8');
    const softstoreValues = [
      'AC200-220V',
      '350W',
      '≥95',
      '2700-6500K',
      '1560G',
      '219.7*147*114.5MM',
      '18000LM / 26000LM',
      '30dB',
      '120°',
      '20V 3A',
      '25w',
      '95+',
      '2700-7500K+200K',
      '19V=5A',
      '200\u2011240V',
      '2700\u20116500K ±200K',
      '367G',
      '200-220v',
    ];
    for (const value of softstoreValues) assert.ok(sheet.includes(value), value);
  });
});

describe('parseQuantities: corpus records', () => {
  test('recent-job-1: the dl specification table and the manual dimensions', (t) => {
    const file = topmconFile('recent-job-1.json');
    if (!existsSync(file)) {
      t.skip('topmcon corpus not present');
      return;
    }
    const payload = JSON.parse(readFileSync(file, 'utf8')).rawPayload;
    const table = new Map(
      parseSpecificationTable(payload.Specification_Table).map((entry) => [entry.name, entry.value]),
    );
    const expected: ReadonlyArray<readonly [string, number, CanonicalUnit | null]> = [
      ['AMP', 5.7, null],
      ['Capacity', 26, 'oz'],
      ['Depth', 7.4, 'in'],
      ['Diameter', 6.3125, 'in'],
      ['Height', 11.5, 'in'],
      ['Horsepower', 1 / 3, 'hp'],
      ['RPM', 1725, null],
      ['Volts', 120, 'V'],
      ['Weight', 11, 'lb'],
      ['Width', 6.31, 'in'],
    ];
    for (const [name, value, unit] of expected)
      assertQuantities(parseQuantities(table.get(name), units), [[value, unit]]);
    assertQuantities(parseQuantities(payload.Height_Manual, units), [[11.5, null]]);
    assertQuantities(parseQuantities(payload.Width_Manual, units), [[7.1875, null]]);
    assertQuantities(parseQuantities(payload.Depth_Manual, units), [[7.25, null]]);
    assertQuantities(parseQuantities(payload.Weight_Manual, units), [[11, null]]);
  });

  test('production snapshot: retailer dimensions, specs and Ferguson feature units', (t) => {
    const file = topmconFile('production-jobs-snapshot.json');
    if (!existsSync(file)) {
      t.skip('topmcon corpus not present');
      return;
    }
    const payload = JSON.parse(readFileSync(file, 'utf8'))[0].rawPayload;
    assertQuantities(parseQuantities(payload.Height_Web_Retailer, units), [[28.75, null]]);
    assertQuantities(parseQuantities(payload.Width_Web_Retailer, units), [[29.75, null]]);
    assertQuantities(parseQuantities(payload.Depth_Web_Retailer, units), [[26.9375, null]]);
    assertQuantities(parseQuantities(payload.Ferguson_Depth, units), [[26.9375, 'in']]);
    const specs: Array<{ name: string; value: string }> = payload.Web_Retailer_Specs;
    const netWeights = specs.filter((spec) => spec.name === 'Net Weight').map((spec) => spec.value);
    assert.ok(netWeights.includes('75.93 kg, 167-2/5 lbs'));
    assertQuantities(parseQuantities('75.93 kg, 167-2/5 lbs', units), [
      [75.93, 'kg'],
      [167.4, 'lb'],
    ]);
    for (const spec of specs) assert.doesNotThrow(() => parseQuantities(spec.value, units));
    // Every unit Ferguson states beside a feature value is one the default aliases know.
    const features: Array<{ value: string; units: string | null }> =
      payload.Ferguson_Raw_Data.product.feature_groups.flatMap(
        (group: { features: Array<{ value: string; units: string | null }> }) => group.features,
      );
    const withUnits = features.filter((feature) => feature.units !== null);
    assert.ok(withUnits.length > 0);
    for (const feature of withUnits) {
      const quantity = parseQuantity(feature, units);
      assert.ok(quantity !== null && isCanonicalUnit(quantity.unit), JSON.stringify(feature));
    }
  });

  test('recent-job-5: fan values from the retailer specs and Ferguson', (t) => {
    const file = topmconFile('recent-job-5.json');
    if (!existsSync(file)) {
      t.skip('topmcon corpus not present');
      return;
    }
    const payload = JSON.parse(readFileSync(file, 'utf8')).rawPayload;
    const specs = new Map<string, string>(
      payload.Web_Retailer_Specs.map((spec: { name: string; value: string }) => [spec.name, spec.value]),
    );
    assertQuantities(parseQuantities(specs.get('Base Backplate'), units), [[5.25, 'in']]);
    assertQuantities(parseQuantities(specs.get('Width'), units), [[52, 'in']]);
    assertQuantities(parseQuantities(specs.get('Max Stem Tilt'), units), [[18, 'deg']]);
    assertQuantities(parseQuantities(specs.get('Input Voltage'), units), [[120, 'V']]);
    assertQuantities(parseQuantities(payload.Ferguson_Width, units), [[52, 'in']]);
    assertQuantities(parseQuantities(payload.Ferguson_Height, units), [[13.5, 'in']]);
  });
});

describe('parseDimensionTriple', () => {
  test('reads W x H x D in the order written', () => {
    const triple = parseDimensionTriple('375 x 260 x 180 mm', units);
    assert.deepEqual(triple, {
      width: { value: 375, unit: 'mm' },
      height: { value: 260, unit: 'mm' },
      depth: { value: 180, unit: 'mm' },
    });
    assert.deepEqual(parseDimensionTriple('PRODUCT SIZE：219.7*147*114.5MM', units), {
      width: { value: 219.7, unit: 'mm' },
      height: { value: 147, unit: 'mm' },
      depth: { value: 114.5, unit: 'mm' },
    });
    assert.deepEqual(parseDimensionTriple('29 3/4" W x 28 3/4" H x 26 15/16" D', units), {
      width: { value: 29.75, unit: 'in' },
      height: { value: 28.75, unit: 'in' },
      depth: { value: 26.9375, unit: 'in' },
    });
    assert.deepEqual(parseDimensionTriple('30 × 28.75 × 26.94 in.', units)?.depth, {
      value: 26.94,
      unit: 'in',
    });
  });

  test('is null without exactly three joined numbers', () => {
    assert.equal(parseDimensionTriple('90 x 16', units), null);
    assert.equal(parseDimensionTriple('1 x 2 x 3 x 4', units), null);
    assert.equal(parseDimensionTriple('68.58 cm, 27 in, 30 in', units), null);
    assert.equal(parseDimensionTriple('Grey', units), null);
    assert.equal(parseDimensionTriple(42, units), null);
    assert.equal(parseDimensionTriple(null, units), null);
  });
});

describe('parseQuantities: properties', () => {
  test('never throws on any string or any value', () => {
    fc.assert(fc.property(fc.string(), (raw) => Array.isArray(parseQuantities(raw, units))));
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (raw) => Array.isArray(parseQuantities(raw, units))),
    );
    fc.assert(fc.property(fc.anything(), (raw) => Array.isArray(parseQuantities(raw, units))));
    fc.assert(fc.property(fc.anything(), (raw) => parseDimensionTriple(raw, units) === null || true));
  });

  test('never throws and yields only finite numbers on number-like text', () => {
    const token = fc.constantFrom(
      ...[
        '1',
        '2',
        '03',
        '.',
        '/',
        '-',
        '\u2011',
        ' ',
        'x',
        '*',
        'in',
        '"',
        "'",
        'cm',
        'V',
        'K',
        '±',
        '+',
        ',',
      ],
      ...['≥', 'AC', '½', '&quot;', '<b>', 'to', '~', '999999999999999999999', '0/0', '1/0'],
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 20 }), (tokens) => {
        const quantities = parseQuantities(tokens.join(''), units);
        for (const quantity of quantities) assert.ok(Number.isFinite(quantity.value));
      }),
    );
  });

  test('a mixed number "a b/c" or "a-b/c" with a unit is a + b/c', () => {
    const aliasOf = fc.constantFrom('in', 'in.', 'inches', '"', 'lbs', 'cm', 'hp');
    const mixed = fc
      .tuple(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 2, max: 1000 }))
      .chain(([whole, denominator]) =>
        fc.tuple(fc.constant(whole), fc.integer({ min: 1, max: denominator - 1 }), fc.constant(denominator)),
      );
    fc.assert(
      fc.property(
        mixed,
        fc.constantFrom(' ', '-'),
        aliasOf,
        ([whole, numerator, denominator], joiner, alias) => {
          const quantities = parseQuantities(`${whole}${joiner}${numerator}/${denominator} ${alias}`, units);
          assert.equal(quantities.length, 1);
          assert.ok(
            Math.abs((quantities[0]?.value ?? Number.NaN) - (whole + numerator / denominator)) <= 1e-9,
          );
          assert.equal(quantities[0]?.unit, units[alias]);
        },
      ),
    );
  });

  test('a number written with any alias of a unit parses back to that unit', () => {
    const number = fc.oneof(
      fc.nat({ max: 1_000_000 }).map((value) => ({ text: String(value), value })),
      fc.tuple(fc.nat({ max: 10_000 }), fc.integer({ min: 1, max: 99 })).map(([whole, hundredths]) => ({
        text: `${whole}.${String(hundredths).padStart(2, '0')}`,
        value: whole + hundredths / 100,
      })),
    );
    fc.assert(
      fc.property(
        number,
        fc.constantFrom('', ' '),
        fc.constantFrom(...Object.keys(units)),
        ({ text, value }, space, alias) => {
          const quantity = parseQuantity(`${text}${space}${alias}`, units);
          assert.ok(quantity !== null);
          assert.ok(Math.abs(quantity.value - value) <= 1e-9, `${text}${space}${alias} → ${quantity.value}`);
          assert.equal(quantity.unit, units[alias], `${text}${space}${alias}`);
        },
      ),
    );
  });
});
