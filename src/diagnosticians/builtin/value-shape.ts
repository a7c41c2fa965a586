import { compactValue, valueWords } from '../../domain/verification/normalise.ts';
import { informativeValues, isPlaceholder, type PackField } from './pack-structure.ts';

/**
 * The value evidence: does what a key carries look like what a field carries? Each value is read
 * into a shape (a yes/no, a GTIN with a valid check digit, a number with a unit of some
 * dimension, a URL, a date, free text of some length), and each field states what it expects
 * from its type and unit, and from the values it carried in stored verified results. The fit of
 * a key to a field is the mean, over the key's informative values, of how strongly each value
 * supports the field: exact agreement with a stored value is the strongest evidence, a matching
 * unit next, a plausible shape weakest.
 */

export type Dimension =
  | 'power'
  | 'voltage'
  | 'current'
  | 'temperature_k'
  | 'luminous'
  | 'length'
  | 'mass'
  | 'sound'
  | 'airflow'
  | 'rotation'
  | 'horsepower'
  | 'money'
  | 'other';

/** Unit spellings → dimension. Units of no field (GB, MHz, mAh, fps, h...) are `other`. */
const UNIT_DIMENSIONS: readonly [RegExp, Dimension][] = [
  [/^(w|watts?|wattage)$/i, 'power'],
  [/^(kw)$/i, 'power'],
  [/^(v|volts?|vac|vdc|vac\/dc)$/i, 'voltage'],
  [/^(a|amps?|amperes?)$/i, 'current'],
  [/^(k|kelvin)$/i, 'temperature_k'],
  [/^(lm|lumens?)$/i, 'luminous'],
  [/^(in|inch|inches|"|''|ft|feet|cm|mm|m)$/i, 'length'],
  [/^(lb|lbs|pounds?|kg|g|grams?|oz)$/i, 'mass'],
  [/^(db|dba|sones?)$/i, 'sound'],
  [/^(cfm)$/i, 'airflow'],
  [/^(rpm)$/i, 'rotation'],
  [/^(hp)$/i, 'horsepower'],
  [/^(\$|usd|eur|€)$/i, 'money'],
];

const UNIT_OF_FIELD: Readonly<Record<string, Dimension>> = {
  W: 'power',
  kW: 'power',
  V: 'voltage',
  A: 'current',
  K: 'temperature_k',
  lm: 'luminous',
  in: 'length',
  ft: 'length',
  cm: 'length',
  mm: 'length',
  m: 'length',
  lb: 'mass',
  kg: 'mass',
  g: 'mass',
  oz: 'mass',
  dB: 'sound',
  cfm: 'airflow',
  rpm: 'rotation',
  hp: 'horsepower',
};

/** Plausible magnitudes of a bare number for a dimension (product catalogue scale). */
const PLAUSIBLE: Readonly<Partial<Record<Dimension, readonly [number, number]>>> = {
  power: [0.1, 20_000],
  voltage: [1, 600],
  current: [0.01, 100],
  temperature_k: [1000, 10_000],
  luminous: [1, 300_000],
  length: [0.05, 500],
  mass: [0.01, 2000],
  sound: [5, 130],
  airflow: [10, 20_000],
  rotation: [10, 20_000],
  horsepower: [0.05, 20],
};

export type ValueShape =
  | { kind: 'boolean' }
  | { kind: 'gtin' }
  | { kind: 'digits' }
  | { kind: 'measure'; value: number; dimension: Dimension }
  | { kind: 'number'; value: number }
  | { kind: 'url' }
  | { kind: 'date' }
  | { kind: 'html' }
  | { kind: 'code' }
  | { kind: 'text'; words: number; length: number };

/** GS1 check digit (GTIN-8/12/13/14): weights 3,1 from the right, excluding the check digit. */
export function validGtin(digits: string): boolean {
  if (!/^\d+$/.test(digits) || ![8, 12, 13, 14].includes(digits.length)) return false;
  let sum = 0;
  for (let index = 0; index < digits.length - 1; index += 1) {
    const fromRight = digits.length - 1 - index;
    sum += Number(digits[index]) * (fromRight % 2 === 1 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10 === Number(digits[digits.length - 1]);
}

const NUMBER = /^(-?\d+(?:[.,]\d+)?)(?:[\s-]+(\d+)\/(\d+))?/;

function dimensionOf(unit: string): Dimension {
  for (const [pattern, dimension] of UNIT_DIMENSIONS) if (pattern.test(unit)) return dimension;
  return 'other';
}

export function shapeOf(raw: string): ValueShape {
  const value = raw.trim();
  if (/^(yes|no|true|false|y|n)$/i.test(value)) return { kind: 'boolean' };
  if (/^https?:\/\//i.test(value) || /^www\./i.test(value)) return { kind: 'url' };
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+Z?)?$/.test(value) || /^\d{1,2}\/\d{1,2}\/\d{4}$/.test(value))
    return { kind: 'date' };
  if (/<\/?(ul|li|p|br|div|table|tr|td|span|strong)\b/i.test(value)) return { kind: 'html' };
  // An 11-digit UPC-A lost its leading zero to a spreadsheet: check it as 12 digits.
  if (/^\d{8,14}$/.test(value))
    return validGtin(value) || (value.length === 11 && validGtin(`0${value}`))
      ? { kind: 'gtin' }
      : { kind: 'digits' };
  // `AC200-220V`, `100 - 240 V`: a current prefix and a range read as their first number and unit.
  const measured = value
    .replace(/^(ac|dc)\s*/i, '')
    .replace(/^(-?\d+(?:[.,]\d+)?)\s*[-–~]\s*\d+(?:[.,]\d+)?/, '$1');
  const number = NUMBER.exec(measured.replace(/^\$\s*/, ''));
  if (number) {
    const whole = Number(number[1]!.replace(',', '.'));
    const fraction = number[2] !== undefined ? Number(number[2]) / Number(number[3]) : 0;
    const magnitude = whole + (whole < 0 ? -fraction : fraction);
    const rest = measured
      .replace(/^\$\s*/, '')
      .slice(number[0].length)
      .trim();
    if (rest === '')
      return value.startsWith('$')
        ? { kind: 'measure', value: magnitude, dimension: 'money' }
        : { kind: 'number', value: magnitude };
    const unit = /^("|''|[A-Za-z°$€]+)/.exec(rest)?.[1];
    if (unit !== undefined) {
      // A unit followed by more words (`3 Speed DC`, `2 x 8 GB`) is a description, not a measure.
      const after = rest.slice(unit.length).trim();
      if (after === '' || /^[,(/;]/.test(after) || (/^\d/.test(after) === false && after.length <= 3))
        return { kind: 'measure', value: magnitude, dimension: dimensionOf(unit) };
    }
  }
  const words = valueWords(value).split(' ').filter(Boolean);
  // A single token mixing letters and digits (`IE101WC`, `C7CDAAS3PD3`): a code such as a model number.
  if (
    words.length <= 2 &&
    /[a-z]/i.test(value) &&
    /\d/.test(value) &&
    !/\s{2,}/.test(value) &&
    value.length <= 40
  )
    return { kind: 'code' };
  return { kind: 'text', words: words.length, length: value.length };
}

/** Everything a field says about the values it accepts. */
export interface FieldExpectation {
  readonly field: PackField;
  readonly dimension: Dimension | null;
  /** Compact forms of the values it carried in stored results. */
  readonly stored: ReadonlySet<string>;
  readonly storedNumbers: readonly number[];
}

export function expectationOf(field: PackField): FieldExpectation {
  const dimension =
    field.unit !== undefined
      ? (UNIT_OF_FIELD[field.unit] ?? 'other')
      : field.type === 'length'
        ? 'length'
        : field.type === 'mass'
          ? 'mass'
          : field.type === 'money'
            ? 'money'
            : null;
  const values = informativeValues(field.values);
  const storedNumbers = values
    .map((value) => shapeOf(value))
    .flatMap((shape) => (shape.kind === 'number' || shape.kind === 'measure' ? [shape.value] : []));
  return { field, dimension, stored: new Set(values.map((value) => compactValue(value))), storedNumbers };
}

const COLOUR_OR_FINISH_WORDS = new Set(
  (
    'black white bronze nickel chrome brass silver gray grey stainless steel gold copper red blue green ' +
    'yellow orange pink purple brown beige ivory cream natural clear frosted brushed matte matt polished ' +
    'satin antique oil rubbed gloss glossy pewter graphite charcoal walnut oak espresso slate biscuit bisque ' +
    'almond champagne iron titanium aluminum aluminium multi'
  ).split(' '),
);

/**
 * Words naming what a product or part is made of (metals, plastics, woods, glass, textiles). A
 * field declared as a material (`material`, `sink_material`: an enum whose id ends in
 * `material`) expects them; the id is the field's declared meaning, like its type, not the key's
 * name, so the value evidence stays independent of the words of the key.
 */
const MATERIAL_WORDS = new Set(
  (
    'steel stainless iron cast aluminum aluminium brass bronze copper zinc nickel chrome titanium metal ' +
    'plastic abs acrylic polycarbonate polypropylene polyethylene pvc nylon resin vinyl fiberglass fibreglass ' +
    'carbon fibre fiber rubber silicone glass ceramic porcelain stone granite marble quartz concrete ' +
    'wood wooden oak walnut pine bamboo mdf plywood cotton polyester leather linen wool fabric'
  ).split(' '),
);

function materialish(value: string): boolean {
  const words = valueWords(value).split(' ').filter(Boolean);
  return words.length > 0 && words.length <= 6 && words.some((word) => MATERIAL_WORDS.has(word));
}

const isMaterialField = (field: PackField): boolean => field.type === 'enum' && /material$/.test(field.id);

function colourish(value: string): boolean {
  const words = valueWords(value).split(' ').filter(Boolean);
  return words.length > 0 && words.length <= 5 && words.some((word) => COLOUR_OR_FINISH_WORDS.has(word));
}

/**
 * How strongly one value supports one field, in [0, 1]:
 * 1.0 it equals a value the field carried; 0.95 a valid GTIN for a GTIN field, or a number in
 * the field's own unit dimension; 0.85 a yes/no for a boolean field; 0.6–0.8 a plausible shape
 * (a bare number in range, text of the right length, a colour word); 0 incompatible.
 */
export function valueSupport(raw: string, expectation: FieldExpectation): number {
  const { field, dimension } = expectation;
  const shape = shapeOf(raw);
  const known = expectation.stored.has(compactValue(raw));
  if (known && shape.kind !== 'boolean') return 1;
  switch (field.type) {
    case 'boolean':
      return shape.kind === 'boolean' ? 0.85 : 0;
    case 'gtin':
      return shape.kind === 'gtin' ? 0.95 : shape.kind === 'digits' ? 0.2 : 0;
    case 'money':
      if (shape.kind === 'measure' && shape.dimension === 'money') return 0.9;
      return shape.kind === 'number' &&
        shape.value > 0 &&
        shape.value < 1_000_000 &&
        /^\$?\d+(\.\d{1,2})?$/.test(raw.trim())
        ? 0.75
        : 0;
    case 'length':
    case 'mass':
    case 'quantity':
    case 'integer':
      return numericSupport(shape, dimension, expectation.storedNumbers, field.type === 'integer');
    case 'brand':
      if (shape.kind === 'text' && shape.words <= 4 && shape.length <= 40) return 0.55;
      return shape.kind === 'code' && raw.length <= 20 ? 0.3 : 0;
    case 'model':
      if (shape.kind === 'code' || shape.kind === 'digits') return 0.75;
      return shape.kind === 'text' && shape.words <= 2 && shape.length <= 25 ? 0.3 : 0;
    case 'text':
      if (shape.kind === 'text' && shape.words >= 3 && shape.length <= 250) return 0.7;
      return shape.kind === 'text' ? 0.45 : 0;
    case 'long_text':
      // A description is prose: sentences, or longer than any title. A one-line name of 60 to 120
      // characters ("25759 Mason Line Brd Orange - 1000'") is a title's shape, not a description's.
      if (shape.kind === 'text' && (shape.length >= 120 || SENTENCE_BREAK.test(raw))) return 0.8;
      if (shape.kind === 'html') return 0.6;
      return shape.kind === 'text' && shape.words >= 5 ? 0.4 : 0;
    case 'html_list':
      return shape.kind === 'html' ? 0.85 : 0;
    case 'color':
    case 'finish':
      if (shape.kind === 'text' && colourish(raw)) return 0.8;
      return shape.kind === 'text' && shape.words <= 3 ? 0.3 : 0;
    case 'category':
      return shape.kind === 'text' && /#\s*$/.test(raw)
        ? 0.8
        : shape.kind === 'text' && shape.words <= 5
          ? 0.4
          : 0;
    case 'enum':
      if (isMaterialField(field) && shape.kind === 'text' && materialish(raw)) return 0.8;
      if (expectation.stored.size > 0) return shape.kind === 'text' && shape.words <= 4 ? 0.45 : 0;
      return shape.kind === 'text' && shape.words <= 4 && shape.length <= 40 ? 0.55 : 0;
    case 'style':
      if (expectation.stored.size > 0) return shape.kind === 'text' && shape.words <= 4 ? 0.45 : 0;
      return shape.kind === 'text' && shape.words <= 4 && shape.length <= 40 ? 0.55 : 0;
    default:
      return 0;
  }
}

/** The end of one sentence and the start of the next: prose. */
const SENTENCE_BREAK = /[a-z][.!?]\s+[A-Z]/;

function numericSupport(
  shape: ValueShape,
  dimension: Dimension | null,
  storedNumbers: readonly number[],
  integer: boolean,
): number {
  if (shape.kind === 'measure') {
    if (dimension === null) return 0;
    return shape.dimension === dimension ? 0.95 : 0;
  }
  if (shape.kind !== 'number') return 0;
  if (integer && !Number.isInteger(shape.value)) return 0;
  if (storedNumbers.length >= 3) {
    const low = Math.min(...storedNumbers);
    const high = Math.max(...storedNumbers);
    // Within the stored range, widened by half its span: the same magnitude as what the field carries.
    const slack = (high - low) / 2 + Math.abs(high) * 0.1;
    return shape.value >= low - slack && shape.value <= high + slack ? 0.7 : 0.1;
  }
  const range = dimension ? PLAUSIBLE[dimension] : undefined;
  if (range) return shape.value >= range[0] && shape.value <= range[1] ? 0.6 : 0;
  // A unitless quantity (a count, a capacity): a small non-negative number is plausible.
  return shape.value >= 0 && shape.value <= 10_000 ? 0.6 : 0;
}

export interface Fit {
  readonly field: string;
  /** Mean support over the key's informative values, in [0, 1]. */
  readonly score: number;
  /** Share of values the field carried before (exact agreement). */
  readonly agreement: number;
}

/** Fit of a key's values to one field. Placeholders say nothing and are left out. */
export function fitOf(values: readonly string[], expectation: FieldExpectation): Fit {
  const informative = informativeValues(values).slice(0, 50);
  if (informative.length === 0) return { field: expectation.field.id, score: 0, agreement: 0 };
  let total = 0;
  let agreeing = 0;
  for (const value of informative) {
    const support = valueSupport(value, expectation);
    total += support;
    if (support === 1) agreeing += 1;
  }
  return {
    field: expectation.field.id,
    score: total / informative.length,
    agreement: agreeing / informative.length,
  };
}

/**
 * Values that carry no product data: placeholders, links, timestamps. A column that only ever
 * carries these is bookkeeping, and `add_ignored_key` is the right fix.
 */
export function bookkeepingShare(values: readonly string[]): { share: number; informative: number } {
  if (values.length === 0) return { share: 0, informative: 0 };
  let junk = 0;
  for (const value of values) {
    if (isPlaceholder(value)) junk += 1;
    else {
      const kind = shapeOf(value).kind;
      if (kind === 'url' || kind === 'date') junk += 1;
    }
  }
  return { share: junk / values.length, informative: values.length - junk };
}
