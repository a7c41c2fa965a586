/**
 * Canonical units and conversion between them.
 *
 * The physics (how many millimetres in an inch) lives here in code and never changes at run time.
 * The spellings sources use for a unit (`in.`, `inches`, `&quot;`, `lbs.`) are data: the rule set
 * ships `DEFAULT_UNIT_ALIASES` and a fix may add more with an `add_unit_alias` operation
 * (DESIGN.md §2), so the parser takes the alias table as a parameter instead of importing it.
 */

export type Dimension =
  | 'length'
  | 'mass'
  | 'power'
  | 'voltage'
  | 'current'
  | 'temperature_color'
  | 'luminous_flux'
  | 'angle'
  | 'frequency_rpm'
  | 'airflow'
  | 'horsepower'
  | 'volume'
  | 'flow_rate'
  | 'sound'
  | 'energy';

export type CanonicalUnit =
  | 'in'
  | 'ft'
  | 'cm'
  | 'mm'
  | 'm'
  | 'lb'
  | 'oz'
  | 'kg'
  | 'g'
  | 'W'
  | 'kW'
  | 'V'
  | 'A'
  | 'K'
  | 'lm'
  | 'deg'
  | 'rpm'
  | 'cfm'
  | 'hp'
  | 'cu_ft'
  | 'l'
  | 'gal'
  | 'gpm'
  | 'dB'
  | 'kWh';

export const UNIT_DIMENSION: Readonly<Record<CanonicalUnit, Dimension>> = Object.freeze({
  in: 'length',
  ft: 'length',
  cm: 'length',
  mm: 'length',
  m: 'length',
  lb: 'mass',
  oz: 'mass',
  kg: 'mass',
  g: 'mass',
  W: 'power',
  kW: 'power',
  V: 'voltage',
  A: 'current',
  K: 'temperature_color',
  lm: 'luminous_flux',
  deg: 'angle',
  rpm: 'frequency_rpm',
  cfm: 'airflow',
  // Horsepower is kept apart from watts: disposers and pumps are rated in nominal hp, which is not
  // an electrical draw, and comparing "1/3 hp" with "500 W" would be a false agreement or conflict.
  hp: 'horsepower',
  cu_ft: 'volume',
  l: 'volume',
  gal: 'volume',
  gpm: 'flow_rate',
  dB: 'sound',
  kWh: 'energy',
});

export const CANONICAL_UNITS: readonly CanonicalUnit[] = Object.freeze(
  Object.keys(UNIT_DIMENSION) as CanonicalUnit[],
);

/** The unit every verified value of a dimension is expressed in (the contract's `"29.75"` inches, lb). */
export const BASE_UNIT: Readonly<Record<Dimension, CanonicalUnit>> = Object.freeze({
  length: 'in',
  mass: 'lb',
  power: 'W',
  voltage: 'V',
  current: 'A',
  temperature_color: 'K',
  luminous_flux: 'lm',
  angle: 'deg',
  frequency_rpm: 'rpm',
  airflow: 'cfm',
  horsepower: 'hp',
  volume: 'cu_ft',
  flow_rate: 'gpm',
  sound: 'dB',
  energy: 'kWh',
});

/**
 * The size of one unit counted in an exact integer sub-unit of its dimension, so a conversion is
 * one multiplication and one division of exactly representable numbers:
 * length in 0.1 mm (1 in = 25.4 mm exactly, NIST SP 811), mass in nanograms (1 lb = 453.59237 g
 * exactly), power in watts, volume in nanolitres (1 US gal = 231 in³ = 3.785411784 l; 1 ft³ =
 * 28.316846592 l). Dimensions with a single unit have a scale of 1.
 */
const UNIT_SCALE: Readonly<Record<CanonicalUnit, number>> = Object.freeze({
  in: 254,
  ft: 3048,
  cm: 100,
  mm: 10,
  m: 10_000,
  lb: 453_592_370_000,
  oz: 28_349_523_125,
  kg: 1_000_000_000_000,
  g: 1_000_000_000,
  W: 1,
  kW: 1000,
  V: 1,
  A: 1,
  K: 1,
  lm: 1,
  deg: 1,
  rpm: 1,
  cfm: 1,
  hp: 1,
  cu_ft: 28_316_846_592,
  l: 1_000_000_000,
  gal: 3_785_411_784,
  gpm: 1,
  dB: 1,
  kWh: 1,
});

export function isCanonicalUnit(value: unknown): value is CanonicalUnit {
  return typeof value === 'string' && Object.hasOwn(UNIT_DIMENSION, value);
}

/**
 * Removes the binary noise a multiplication leaves (`25.400000000000002`) by rounding to 6 decimals,
 * but only when that rounding moves the value by less than 1e-13 of itself (noise is a few units in
 * the last place, about 1e-16), so a true `1/3` or `7006 1/999` keeps its precision.
 */
export function withoutFloatNoise(value: number): number {
  if (!Number.isFinite(value) || Math.abs(value) >= 1e15) return value;
  const rounded = Math.round(value * 1e6) / 1e6;
  return Math.abs(rounded - value) <= Math.abs(value) * 1e-13 ? rounded : value;
}

/** Converts between units of one dimension; `null` when the dimensions differ or the value is not finite. */
export function convert(value: number, from: CanonicalUnit, to: CanonicalUnit): number | null {
  if (!Number.isFinite(value) || UNIT_DIMENSION[from] !== UNIT_DIMENSION[to]) return null;
  if (from === to) return value;
  const scaled = (value * UNIT_SCALE[from]) / UNIT_SCALE[to];
  // A huge value can overflow in the intermediate product; the ratio form trades one rounding for range.
  const result = Number.isFinite(scaled) ? scaled : value * (UNIT_SCALE[from] / UNIT_SCALE[to]);
  return Number.isFinite(result) ? withoutFloatNoise(result) : null;
}

/** Converts to the base unit of the unit's dimension (length → in, mass → lb, volume → cu_ft...). */
export function toBaseUnit(value: number, from: CanonicalUnit): number | null {
  return convert(value, from, BASE_UNIT[UNIT_DIMENSION[from]]);
}

/** Lower-cased spelling → canonical unit. */
export type UnitAliases = Readonly<Record<string, CanonicalUnit>>;

/**
 * Spellings seen in the corpus (Ferguson `units` fields `in.`, `lbs.`, `Degrees`, `mm`; retailer
 * values `52.00"`, `5 cu. ft.`, `141.50 l`, `120.00V`, `1560G`, `18000LM`, `30dB`, `120°`) and their
 * common variants. Keys are lower case; the parser lower-cases the text before looking them up.
 */
export const DEFAULT_UNIT_ALIASES: UnitAliases = Object.freeze({
  // length
  in: 'in',
  'in.': 'in',
  ins: 'in',
  inch: 'in',
  'inch.': 'in',
  inches: 'in',
  '"': 'in',
  "''": 'in',
  '”': 'in',
  '″': 'in',
  '′′': 'in',
  '’’': 'in',
  ft: 'ft',
  'ft.': 'ft',
  foot: 'ft',
  feet: 'ft',
  "'": 'ft',
  '′': 'ft',
  '’': 'ft',
  cm: 'cm',
  'cm.': 'cm',
  cms: 'cm',
  centimeter: 'cm',
  centimeters: 'cm',
  centimetre: 'cm',
  centimetres: 'cm',
  mm: 'mm',
  'mm.': 'mm',
  millimeter: 'mm',
  millimeters: 'mm',
  millimetre: 'mm',
  millimetres: 'mm',
  m: 'm',
  'm.': 'm',
  meter: 'm',
  meters: 'm',
  metre: 'm',
  metres: 'm',
  // mass
  lb: 'lb',
  'lb.': 'lb',
  lbs: 'lb',
  'lbs.': 'lb',
  pound: 'lb',
  pounds: 'lb',
  oz: 'oz',
  'oz.': 'oz',
  ounce: 'oz',
  ounces: 'oz',
  kg: 'kg',
  'kg.': 'kg',
  kgs: 'kg',
  kilo: 'kg',
  kilos: 'kg',
  kilogram: 'kg',
  kilograms: 'kg',
  kilogramme: 'kg',
  kilogrammes: 'kg',
  g: 'g',
  'g.': 'g',
  gr: 'g',
  gram: 'g',
  grams: 'g',
  gramme: 'g',
  grammes: 'g',
  // power
  w: 'W',
  'w.': 'W',
  watt: 'W',
  watts: 'W',
  kw: 'kW',
  kilowatt: 'kW',
  kilowatts: 'kW',
  // voltage
  v: 'V',
  'v.': 'V',
  volt: 'V',
  volts: 'V',
  vac: 'V',
  vdc: 'V',
  'v ac': 'V',
  'v dc': 'V',
  'volts ac': 'V',
  'volts dc': 'V',
  // current
  a: 'A',
  amp: 'A',
  amps: 'A',
  ampere: 'A',
  amperes: 'A',
  // colour temperature
  k: 'K',
  '°k': 'K',
  kelvin: 'K',
  kelvins: 'K',
  // luminous flux
  lm: 'lm',
  lumen: 'lm',
  lumens: 'lm',
  // angle
  deg: 'deg',
  'deg.': 'deg',
  degs: 'deg',
  degree: 'deg',
  degrees: 'deg',
  '°': 'deg',
  // U+00BA, the ordinal indicator typed for a degree sign on Spanish and Portuguese keyboards.
  º: 'deg',
  // rotation
  rpm: 'rpm',
  'r/min': 'rpm',
  'rev/min': 'rpm',
  // airflow
  cfm: 'cfm',
  'cu ft/min': 'cfm',
  'cu. ft./min.': 'cfm',
  'ft³/min': 'cfm',
  // horsepower
  hp: 'hp',
  'hp.': 'hp',
  'h.p.': 'hp',
  horsepower: 'hp',
  // volume
  cu_ft: 'cu_ft',
  'cu ft': 'cu_ft',
  'cu ft.': 'cu_ft',
  'cu. ft': 'cu_ft',
  'cu. ft.': 'cu_ft',
  'cu.ft': 'cu_ft',
  'cu.ft.': 'cu_ft',
  cuft: 'cu_ft',
  'cubic ft': 'cu_ft',
  'cubic ft.': 'cu_ft',
  'cubic foot': 'cu_ft',
  'cubic feet': 'cu_ft',
  'ft³': 'cu_ft',
  ft3: 'cu_ft',
  l: 'l',
  'l.': 'l',
  ltr: 'l',
  ltrs: 'l',
  liter: 'l',
  liters: 'l',
  litre: 'l',
  litres: 'l',
  gal: 'gal',
  'gal.': 'gal',
  gallon: 'gal',
  gallons: 'gal',
  // flow rate
  gpm: 'gpm',
  'g.p.m.': 'gpm',
  'gal/min': 'gpm',
  'gal./min.': 'gpm',
  'gallons per minute': 'gpm',
  // sound
  db: 'dB',
  dba: 'dB',
  'db(a)': 'dB',
  decibel: 'dB',
  decibels: 'dB',
  // energy; "kWh/year" is how appliance labels state annual consumption (the oven's
  // "Energy Rating (kwh/year)"), and the year is part of the field, not of the unit.
  kwh: 'kWh',
  'kw h': 'kWh',
  'kw-h': 'kWh',
  'kwh/year': 'kWh',
  'kwh/yr': 'kWh',
  'kilowatt hour': 'kWh',
  'kilowatt hours': 'kWh',
});

/**
 * Looks a unit spelling up (a Ferguson `units` field such as `"in."` or `"Degrees"`): lower-cased,
 * spaces normalised, then the alias table, then the canonical name itself. Unknown spellings → null.
 */
export function resolveUnit(spelling: unknown, units: UnitAliases): CanonicalUnit | null {
  if (typeof spelling !== 'string') return null;
  const trimmed = spelling.replace(/\s+/gu, ' ').trim();
  if (trimmed === '') return null;
  const lower = trimmed.toLowerCase();
  if (Object.hasOwn(units, lower)) return units[lower] ?? null;
  return isCanonicalUnit(trimmed) ? trimmed : null;
}
