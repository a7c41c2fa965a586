import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  BASE_UNIT,
  CANONICAL_UNITS,
  type CanonicalUnit,
  convert,
  DEFAULT_UNIT_ALIASES,
  isCanonicalUnit,
  resolveUnit,
  toBaseUnit,
  UNIT_DIMENSION,
  withoutFloatNoise,
} from './units.ts';

function assertClose(actual: number | null, expected: number, tolerance = 1e-9): void {
  assert.notEqual(actual, null);
  assert.ok(Math.abs((actual ?? Number.NaN) - expected) <= tolerance, `${actual} ≉ ${expected}`);
}

describe('convert', () => {
  const cases: ReadonlyArray<readonly [number, CanonicalUnit, CanonicalUnit, number]> = [
    [1, 'in', 'mm', 25.4],
    [1, 'ft', 'in', 12],
    [68.58, 'cm', 'in', 27],
    [76.2, 'cm', 'in', 30],
    [1, 'm', 'in', 39.370079],
    [1, 'lb', 'oz', 16],
    // The oven's Weight_Web_Retailer 75.93 is its 167.4 lb net weight in kg (PEER-CONTRACT.md §3.2).
    [75.93, 'kg', 'lb', 75.93 / 0.45359237],
    [92.53, 'kg', 'lb', 92.53 / 0.45359237],
    [1560, 'g', 'lb', 1.56 / 0.45359237],
    [1, 'kg', 'g', 1000],
    [2.8, 'kW', 'W', 2800],
    [141.5, 'l', 'cu_ft', 4.997026],
    [1, 'gal', 'cu_ft', 231 / 1728],
    [1, 'cu_ft', 'l', 28.316846592],
  ];
  for (const [value, from, to, expected] of cases) {
    test(`${value} ${from} → ${to}`, () => {
      assertClose(convert(value, from, to), expected, 1e-6);
    });
  }

  test('the oven weight in kg rounds to its net weight in lb', () => {
    assert.equal(Math.round((convert(75.93, 'kg', 'lb') ?? 0) * 10) / 10, 167.4);
  });

  test('exact decimal results carry no float noise', () => {
    assert.equal(convert(1, 'in', 'cm'), 2.54);
    assert.equal(convert(10, 'in', 'cm'), 25.4);
    assert.equal(convert(68.58, 'cm', 'in'), 27);
    assert.equal(convert(114.5, 'mm', 'cm'), 11.45);
  });

  test('is null across dimensions and for non-finite values', () => {
    assert.equal(convert(1, 'in', 'lb'), null);
    assert.equal(convert(1, 'hp', 'W'), null);
    assert.equal(convert(1, 'V', 'A'), null);
    assert.equal(convert(Number.NaN, 'in', 'cm'), null);
    assert.equal(convert(Number.POSITIVE_INFINITY, 'in', 'in'), null);
  });

  test('base units are in, lb, W and cu_ft', () => {
    assert.equal(BASE_UNIT.length, 'in');
    assert.equal(BASE_UNIT.mass, 'lb');
    assert.equal(BASE_UNIT.power, 'W');
    assert.equal(BASE_UNIT.volume, 'cu_ft');
    assertClose(toBaseUnit(52, 'cm'), 20.472441, 1e-6);
    assert.equal(toBaseUnit(5, 'cu_ft'), 5);
  });

  test('every canonical unit has a dimension whose base unit is of that dimension', () => {
    for (const unit of CANONICAL_UNITS) {
      assert.equal(UNIT_DIMENSION[BASE_UNIT[UNIT_DIMENSION[unit]]], UNIT_DIMENSION[unit]);
      assert.equal(convert(3, unit, unit), 3);
    }
  });

  test('property: converting there and back returns the value', () => {
    const sameDimensionPair = fc
      .constantFrom(...CANONICAL_UNITS)
      .chain((from) =>
        fc.tuple(
          fc.constant(from),
          fc.constantFrom(...CANONICAL_UNITS.filter((unit) => UNIT_DIMENSION[unit] === UNIT_DIMENSION[from])),
        ),
      );
    fc.assert(
      fc.property(fc.double({ min: -1e9, max: 1e9, noNaN: true }), sameDimensionPair, (value, [from, to]) => {
        const there = convert(value, from, to);
        assert.notEqual(there, null);
        const back = convert(there ?? 0, to, from);
        assert.notEqual(back, null);
        assert.ok(
          Math.abs((back ?? 0) - value) <= Math.abs(value) * 1e-9 + 1e-12,
          `${value} → ${there} → ${back}`,
        );
      }),
    );
  });
});

describe('withoutFloatNoise', () => {
  test('removes multiplication noise and keeps true precision', () => {
    assert.equal(withoutFloatNoise(25.400000000000002), 25.4);
    assert.equal(withoutFloatNoise(0.1 + 0.2), 0.3);
    assert.equal(withoutFloatNoise(1 / 3), 1 / 3);
    assert.equal(withoutFloatNoise(1e-9), 1e-9);
  });
});

describe('unit aliases', () => {
  test('the default table maps the spellings seen in the corpus', () => {
    const seen: ReadonlyArray<readonly [string, CanonicalUnit]> = [
      ['in', 'in'],
      ['in.', 'in'],
      ['inch', 'in'],
      ['inches', 'in'],
      ['"', 'in'],
      ["''", 'in'],
      ['lbs', 'lb'],
      ['lbs.', 'lb'],
      ['pounds', 'lb'],
      ['watts', 'W'],
      ['w', 'W'],
      ['v', 'V'],
      ['volts', 'V'],
      ['k', 'K'],
      ['kelvin', 'K'],
      ['degrees', 'deg'],
      ['°', 'deg'],
      ['mm', 'mm'],
      ['cu. ft.', 'cu_ft'],
      ['cu ft', 'cu_ft'],
      ['l', 'l'],
      ['oz', 'oz'],
      ['hp', 'hp'],
      ['db', 'dB'],
      ['lm', 'lm'],
      ['g', 'g'],
      ['kwh', 'kWh'],
    ];
    for (const [spelling, unit] of seen) assert.equal(DEFAULT_UNIT_ALIASES[spelling], unit, spelling);
  });

  test('every key is lower case and every target canonical', () => {
    for (const [spelling, unit] of Object.entries(DEFAULT_UNIT_ALIASES)) {
      assert.equal(spelling, spelling.toLowerCase());
      assert.ok(isCanonicalUnit(unit), `${spelling} → ${unit}`);
    }
  });

  test('resolveUnit reads a separate units field', () => {
    assert.equal(resolveUnit('in.', DEFAULT_UNIT_ALIASES), 'in');
    assert.equal(resolveUnit('lbs.', DEFAULT_UNIT_ALIASES), 'lb');
    assert.equal(resolveUnit('Degrees', DEFAULT_UNIT_ALIASES), 'deg');
    assert.equal(resolveUnit(' Cu.  Ft. ', DEFAULT_UNIT_ALIASES), 'cu_ft');
    assert.equal(resolveUnit('kWh', {}), 'kWh');
    assert.equal(resolveUnit('furlongs', DEFAULT_UNIT_ALIASES), null);
    assert.equal(resolveUnit(null, DEFAULT_UNIT_ALIASES), null);
    assert.equal(resolveUnit('', DEFAULT_UNIT_ALIASES), null);
  });
});
