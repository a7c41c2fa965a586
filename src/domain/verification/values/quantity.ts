/**
 * Reads the numbers, with their units, that a source value states.
 *
 * The sources write the same measurement many ways (PEER-CONTRACT.md §3): `"29 3/4"`, `"7-2/5 in"`,
 * `"6-31/100 in"`, `"52.00&quot;"`, `"68.58 cm, 27 in"`, `"120.00V"`, `"2700‑6500K ±200K"`,
 * `"219.7*147*114.5MM"`. This module turns any of them into an ordered list of quantities and
 * leaves the choice among them (which is the net weight, which is the width) to the caller.
 * It never converts: a quantity keeps the unit it was written in.
 */
import { decodeEntities, isBlankLike, normaliseSpace, stripTags } from './text.ts';
import {
  type CanonicalUnit,
  isCanonicalUnit,
  resolveUnit,
  UNIT_DIMENSION,
  type UnitAliases,
  withoutFloatNoise,
} from './units.ts';

export interface Quantity {
  /** The number as written, fractions resolved (`7-2/5` → 7.4). */
  readonly value: number;
  /** The unit written with it (or with its range or dimension group); null when none was written or it is unknown. */
  readonly unit: CanonicalUnit | null;
}

/** How the members of a group of numbers are joined: `200-240V` is a range, `375 x 260 x 180 mm` a dimension list. */
type GroupKind = 'single' | 'range' | 'dimensions';

interface QuantityGroup {
  readonly kind: GroupKind;
  readonly members: readonly Quantity[];
}

interface CompiledAliases {
  /** Aliases by their first character, longest first, so `lbs.` wins over `lb` and `cu. ft.` over `cu ft`. */
  readonly byFirstCharacter: ReadonlyMap<string, ReadonlyArray<readonly [string, CanonicalUnit]>>;
}

const compiledAliasTables = new WeakMap<UnitAliases, CompiledAliases>();

function compileAliases(units: UnitAliases): CompiledAliases {
  const cached = compiledAliasTables.get(units);
  if (cached !== undefined) return cached;
  const byFirstCharacter = new Map<string, Array<readonly [string, CanonicalUnit]>>();
  for (const [spelling, unit] of Object.entries(units)) {
    // The table is rule-set data: ignore entries a bad fix could have put there rather than fail a job.
    if (!isCanonicalUnit(unit)) continue;
    const alias = normaliseSpace(spelling).toLowerCase();
    const first = alias.charAt(0);
    if (first === '' || /[\d.]/u.test(first)) continue;
    const bucket = byFirstCharacter.get(first) ?? [];
    bucket.push([alias, unit]);
    byFirstCharacter.set(first, bucket);
  }
  for (const bucket of byFirstCharacter.values())
    bucket.sort((left, right) => right[0].length - left[0].length);
  const compiled: CompiledAliases = { byFirstCharacter };
  compiledAliasTables.set(units, compiled);
  return compiled;
}

/** Unicode vulgar fractions, written as the ASCII fraction they stand for (`11½` → `11 1/2`). */
const VULGAR_FRACTIONS: Readonly<Record<string, string>> = {
  '¼': '1/4',
  '½': '1/2',
  '¾': '3/4',
  '⅐': '1/7',
  '⅑': '1/9',
  '⅒': '1/10',
  '⅓': '1/3',
  '⅔': '2/3',
  '⅕': '1/5',
  '⅖': '2/5',
  '⅗': '3/5',
  '⅘': '4/5',
  '⅙': '1/6',
  '⅚': '5/6',
  '⅛': '1/8',
  '⅜': '3/8',
  '⅝': '5/8',
  '⅞': '7/8',
};

/**
 * Puts the text into the one shape the scanner reads: markup removed, entities decoded, full-width
 * forms (the softstore sheet writes `：` and could write `１２０Ｖ`) folded to ASCII, Unicode
 * hyphens (`200‑240V` uses U+2011) made `-`, vulgar and slashed fractions made `a/b`, white space
 * collapsed, and thousands separators (`4,940 CFM`) removed.
 */
function prepareText(raw: string): string {
  const text = /<[A-Za-z/!]/u.test(raw) ? stripTags(raw) : decodeEntities(raw);
  const folded = text
    .replace(/[\uFF01-\uFF5E]/gu, (character) => String.fromCharCode(character.charCodeAt(0) - 0xfee0))
    .replace(/[\u301C\u223C]/gu, '~')
    .replace(/[\u2044\u2215]/gu, '/')
    .replace(/[¼½¾⅐-⅞]/gu, (character) => ` ${VULGAR_FRACTIONS[character] ?? character}`);
  // A comma followed by exactly three digits after a one-to-three digit head is a thousands separator;
  // `68.58 cm, 27 in` keeps its comma because a space follows it.
  return normaliseSpace(folded, { asciiHyphens: true }).replace(
    /(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,])/gu,
    (match) => match.replaceAll(',', ''),
  );
}

const LETTER = /\p{L}/u;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

function isDigit(character: string | undefined): boolean {
  return character !== undefined && character >= '0' && character <= '9';
}

function startsNumber(text: string, index: number): boolean {
  if (isDigit(text[index])) return true;
  // `.5` is a number; the `.3` of a version such as `1.2.3` is not.
  return text[index] === '.' && isDigit(text[index + 1]) && !isDigit(text[index - 1]);
}

/** Letters allowed right before a number: `AC200-220V`, `DC12V`, and the `x` of `375x260`. */
const NUMBER_PREFIXES: ReadonlySet<string> = new Set(['x', 'ac', 'dc']);

/**
 * Whether a number that starts at `index` is a quantity of its own. It is not when it is part of an
 * identifier (`KCES550`, `YB-300R`, `E101`) or when it is a tolerance (`±200K`, `+200K`, `+/- 5`).
 */
function startsStandaloneNumber(text: string, index: number): boolean {
  const previous = text[index - 1];
  if (previous === undefined) return true;
  if (LETTER.test(previous)) {
    let runStart = index - 1;
    while (runStart > 0 && LETTER.test(text[runStart - 1] ?? '')) runStart -= 1;
    return NUMBER_PREFIXES.has(text.slice(runStart, index).toLowerCase());
  }
  if ((previous === '-' || previous === '_') && LETTER_OR_DIGIT.test(text[index - 2] ?? '')) return false;
  let before = index - 1;
  while (before >= 0 && text[before] === ' ') before -= 1;
  const lead = text[before];
  if (lead === '±' || lead === '+') return false;
  return !(lead === '-' && text[before - 1] === '/' && text[before - 2] === '+');
}

/** A minus sign belongs to the number only when it is glued to it and stands at the start of a word. */
function isNegativeSign(text: string, index: number): boolean {
  if (text[index - 1] !== '-') return false;
  const beforeSign = text[index - 2];
  return beforeSign === undefined || /[\s(:=,;]/u.test(beforeSign);
}

interface ScannedNumber {
  readonly value: number;
  readonly end: number;
}

const DECIMAL = /\d+(?:\.\d+)?|\.\d+/y;
const FRACTION_TAIL = /\/(\d+)(?![\d/])/y;
const MIXED_TAIL = /(?: +|-)(\d+)\/(\d+)(?![\d/])/y;

function execAt(pattern: RegExp, text: string, index: number): RegExpExecArray | null {
  pattern.lastIndex = index;
  return pattern.exec(text);
}

/**
 * Reads `11`, `75.93`, `.5`, `1/3`, `7 3/16`, `11-1/2` and `6-31/100` at `index`. A fraction is
 * computed as one division of integers, `(whole × denominator + numerator) / denominator`, so
 * `7-2/5` is the double nearest 7.4 and no float noise is introduced.
 */
function scanNumber(text: string, index: number): ScannedNumber | null {
  const decimal = execAt(DECIMAL, text, index);
  if (decimal === null) return null;
  const written = decimal[0];
  let end = index + written.length;
  let value = Number(written);
  if (!written.includes('.')) {
    const fraction = execAt(FRACTION_TAIL, text, end);
    const mixed = fraction === null ? execAt(MIXED_TAIL, text, end) : null;
    if (fraction !== null && Number(fraction[1]) > 0) {
      value = value / Number(fraction[1]);
      end += fraction[0].length;
    } else if (mixed !== null) {
      const numerator = Number(mixed[1]);
      const denominator = Number(mixed[2]);
      // A proper fraction only: "2-4/3" is not a mixed number anyone writes.
      if (denominator > 0 && numerator < denominator) {
        value = (value * denominator + numerator) / denominator;
        end += mixed[0].length;
      }
    }
  }
  if (!Number.isFinite(value)) return null;
  return { value: withoutFloatNoise(value), end };
}

interface ScannedUnit {
  readonly unit: CanonicalUnit;
  readonly end: number;
}

/** Characters after which a unit must not continue with a letter: `90's` is not 90 feet, `350°F` not 350 degrees. */
const APOSTROPHE_LIKE = new Set(["'", '’', '′', '°', 'º']);

function aliasEndsCleanly(alias: string, text: string, end: number): boolean {
  const next = text[end];
  if (next === undefined) return true;
  const last = alias.charAt(alias.length - 1);
  if (LETTER_OR_DIGIT.test(last)) return !LETTER_OR_DIGIT.test(next);
  if (APOSTROPHE_LIKE.has(last)) return !LETTER.test(next);
  return true;
}

/** Reads a unit spelling at `index`, after at most one space (`60W`, `29.75 in.`, `5 cu. ft.`, `52.00"`). */
function scanUnit(text: string, index: number, aliases: CompiledAliases): ScannedUnit | null {
  const start = text[index] === ' ' ? index + 1 : index;
  const candidates = aliases.byFirstCharacter.get((text[start] ?? '').toLowerCase());
  if (candidates === undefined) return null;
  for (const [alias, unit] of candidates) {
    const end = start + alias.length;
    if (text.slice(start, end).toLowerCase() === alias && aliasEndsCleanly(alias, text, end)) {
      return { unit, end };
    }
  }
  return null;
}

const RANGE_JOINER = / ?(?:-|~|to\b) ?/iy;
// A dimension joiner may carry a one-letter position label on either side: `29.75"W x 28.75"H`, `W 30 x H 28`.
const DIMENSION_JOINER = / ?(?:[WHDL] ?)?(?:x|×|\*|by) ?(?:[WHDL] ?)?/iy;

/** Ranges have two ends; a dimension list has at most four members (W x H x D, plus a length). */
const MAXIMUM_MEMBERS: Readonly<Record<Exclude<GroupKind, 'single'>, number>> = { range: 2, dimensions: 4 };

interface ScannedJoin {
  readonly kind: Exclude<GroupKind, 'single'>;
  readonly end: number;
}

function scanJoiner(text: string, index: number): ScannedJoin | null {
  const range = execAt(RANGE_JOINER, text, index);
  if (range !== null && startsNumber(text, index + range[0].length)) {
    return { kind: 'range', end: index + range[0].length };
  }
  const dimensions = execAt(DIMENSION_JOINER, text, index);
  if (dimensions !== null && startsNumber(text, index + dimensions[0].length)) {
    return { kind: 'dimensions', end: index + dimensions[0].length };
  }
  return null;
}

interface ScannedMember {
  readonly value: number;
  readonly unit: CanonicalUnit | null;
  readonly end: number;
}

function scanMember(text: string, index: number, aliases: CompiledAliases): ScannedMember | null {
  const number = scanNumber(text, index);
  if (number === null) return null;
  const unit = scanUnit(text, number.end, aliases);
  return { value: number.value, unit: unit?.unit ?? null, end: unit?.end ?? number.end };
}

function sameDimension(left: CanonicalUnit | null, right: CanonicalUnit | null): boolean {
  return left === null || right === null || UNIT_DIMENSION[left] === UNIT_DIMENSION[right];
}

/**
 * A unit written once for a group applies to every member of it: `200-240V` is 200 V to 240 V and
 * `375 x 260 x 180 mm` three lengths in mm. A member takes the unit of the next member that has
 * one, else of the previous one.
 */
function fillGroupUnits(members: readonly Quantity[]): Quantity[] {
  const filled: Array<{ value: number; unit: CanonicalUnit | null }> = members.map((member) => ({
    ...member,
  }));
  let following: CanonicalUnit | null = null;
  for (let index = filled.length - 1; index >= 0; index -= 1) {
    const member = filled[index]!;
    if (member.unit === null) member.unit = following;
    else following = member.unit;
  }
  let preceding: CanonicalUnit | null = null;
  for (const member of filled) {
    if (member.unit === null) member.unit = preceding;
    else preceding = member.unit;
  }
  return filled;
}

/** Every group of numbers in the text, in order. */
function scanGroups(text: string, aliases: CompiledAliases): QuantityGroup[] {
  const groups: QuantityGroup[] = [];
  let index = 0;
  while (index < text.length) {
    if (!startsNumber(text, index)) {
      index += 1;
      continue;
    }
    const first = startsStandaloneNumber(text, index) ? scanMember(text, index, aliases) : null;
    if (first === null) {
      // Skip the whole run so its tail ("550" of "KCES550", "00" of "±200") is not read as a number.
      while (index < text.length && /[\d.,/]/u.test(text[index] ?? '')) index += 1;
      continue;
    }
    const sign = isNegativeSign(text, index) ? -1 : 1;
    const members: Quantity[] = [{ value: sign * first.value, unit: first.unit }];
    let kind: GroupKind = 'single';
    let end = first.end;
    for (;;) {
      const join = scanJoiner(text, end);
      if (join === null || (kind !== 'single' && join.kind !== kind)) break;
      if (members.length >= MAXIMUM_MEMBERS[join.kind]) break;
      const next = scanMember(text, join.end, aliases);
      const previousUnit = members[members.length - 1]?.unit ?? null;
      if (next === null || !sameDimension(previousUnit, next.unit)) break;
      members.push({ value: next.value, unit: next.unit });
      kind = join.kind;
      end = next.end;
    }
    groups.push({ kind, members: fillGroupUnits(members) });
    index = end;
  }
  return groups;
}

function isUnitSpellingHolder(raw: object): raw is { value?: unknown; units?: unknown; unit?: unknown } {
  return !Array.isArray(raw) && Object.hasOwn(raw, 'value');
}

function groupsOf(raw: unknown, units: UnitAliases): QuantityGroup[] {
  if (typeof raw === 'number') {
    return Number.isFinite(raw) ? [{ kind: 'single', members: [{ value: raw, unit: null }] }] : [];
  }
  if (typeof raw === 'bigint') {
    const value = Number(raw);
    return Number.isFinite(value) ? [{ kind: 'single', members: [{ value, unit: null }] }] : [];
  }
  if (typeof raw === 'string') {
    if (isBlankLike(raw)) return [];
    return scanGroups(prepareText(raw), compileAliases(units));
  }
  // Ferguson's feature groups and specifications carry the unit beside the value:
  // `{ value: "24.75", units: "in." }`. The stated unit applies where the value wrote none.
  if (typeof raw === 'object' && raw !== null && isUnitSpellingHolder(raw)) {
    const { value } = raw;
    if (typeof value !== 'string' && typeof value !== 'number') return [];
    const stated = resolveUnit(raw.units, units) ?? resolveUnit(raw.unit, units);
    return groupsOf(value, units).map((group) => ({
      kind: group.kind,
      members: group.members.map((member) => ({ value: member.value, unit: member.unit ?? stated })),
    }));
  }
  return [];
}

/**
 * Every quantity a value states, in order: a number, a numeric string, fractions and mixed numbers,
 * numbers with units or unit glyphs, lists of alternatives (`92.53 kg, 41.96 kg, 204 lbs`), both
 * ends of a range (`200-240V`, `AC200-220V`), each member of a dimension list (`219.7*147*114.5MM`),
 * and `≥95` or `95+` as 95. Tolerances (`±200K`) and numbers inside identifiers (`KCES550`) are not
 * quantities. Blank-like and non-numeric values give `[]`; no input throws.
 */
export function parseQuantities(raw: unknown, units: UnitAliases): Quantity[] {
  return groupsOf(raw, units).flatMap((group) => group.members);
}

/** The first quantity a value states, or null. */
export function parseQuantity(raw: unknown, units: UnitAliases): Quantity | null {
  return parseQuantities(raw, units)[0] ?? null;
}

export interface DimensionTriple {
  /** The first number written. */
  readonly width: Quantity;
  /** The second number written. */
  readonly height: Quantity;
  /** The third number written. */
  readonly depth: Quantity;
}

/**
 * The first `a x b x c` group in a value (`375 x 260 x 180 mm`, `219.7*147*114.5MM`,
 * `29 3/4" W x 28 3/4" H x 26 15/16" D`), in the order written: the names are positions only and
 * the caller decides which measurement each position is. Null when there is no such group.
 */
export function parseDimensionTriple(raw: unknown, units: UnitAliases): DimensionTriple | null {
  if (typeof raw !== 'string') return null;
  const group = groupsOf(raw, units).find(
    (candidate) => candidate.kind === 'dimensions' && candidate.members.length === 3,
  );
  if (group === undefined) return null;
  const [width, height, depth] = group.members;
  if (width === undefined || height === undefined || depth === undefined) return null;
  return { width, height, depth };
}
