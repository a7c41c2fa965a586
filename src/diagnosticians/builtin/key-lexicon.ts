import { compactValue, normaliseKey } from '../../domain/verification/normalise.ts';
import type { PackField } from './pack-structure.ts';
import { commonPrefixLength, tokenJaccard, trigramDice } from './text-similarity.ts';

/**
 * The lexical evidence: what the words of a source key say, compared with the names of a field
 * (its id, its label, its aliases). Three steps, each general vocabulary, none a table of keys:
 *
 * 1. Tokens: the normalised key split into words, with catalogue abbreviations spelled out
 *    (`mfg` → manufacturer, `qty` → quantity, `wt` → weight, `#` → number...).
 * 2. Concepts: words that the trade uses interchangeably fold into one concept (brand /
 *    manufacturer / make / vendor; upc / gtin / ean / barcode; colour / color...). This is the
 *    "small domain lexicon" of DESIGN.md §5: synonyms of the trade, not spellings seen in tests.
 * 3. Similarity: weighted token Jaccard over concepts, where a word's weight is its
 *    informativeness among the field names (an inverse document frequency: `type`, `number`,
 *    `included` name dozens of fields and weigh little; `lumens` names one and weighs a lot),
 *    blended with the trigram Dice of the compact strings, which survives run-together words
 *    (`INPUTVOLTAGE`) and typos. The leaf of a dotted path (`physical.bulb.lumens`) weighs more
 *    than its parents, because paths go from general to specific.
 */

/** Abbreviations of catalogue column names, spelled out. */
const ABBREVIATIONS: Readonly<Record<string, readonly string[]>> = {
  mfg: ['manufacturer'],
  mfr: ['manufacturer'],
  mfgr: ['manufacturer'],
  manuf: ['manufacturer'],
  manu: ['manufacturer'],
  qty: ['quantity'],
  dim: ['dimension'],
  dims: ['dimension'],
  wt: ['weight'],
  ht: ['height'],
  wdth: ['width'],
  dpth: ['depth'],
  len: ['length'],
  lg: ['length'],
  dia: ['diameter'],
  diam: ['diameter'],
  no: ['number'],
  num: ['number'],
  nbr: ['number'],
  desc: ['description'],
  descr: ['description'],
  clr: ['color'],
  col: ['color'],
  temp: ['temperature'],
  auto: ['automatic'],
  mpn: ['model'],
  lm: ['lumens'],
  cct: ['color', 'temperature'],
  sku: ['sku'],
  eqiv: ['equivalent'],
  equiv: ['equivalent'],
  min: ['minimum'],
  max: ['maximum'],
  approx: ['approximate'],
};

/** Single letters that are dimensions only when they stand alone (`W`, `H`, `D`). */
const DIMENSION_LETTERS: Readonly<Record<string, string>> = {
  w: 'width',
  h: 'height',
  d: 'depth',
  l: 'length',
};

/** Unit words at the end of a column name (`rated_power_w`, `brightness_lm`) name the quantity. */
const UNIT_SUFFIXES: Readonly<Record<string, string>> = {
  w: 'wattage',
  watts: 'wattage',
  v: 'voltage',
  k: 'kelvin',
  lm: 'lumens',
  db: 'decibel',
  lbs: 'weight',
  lb: 'weight',
  kg: 'weight',
  deg: 'degrees',
};

/** Words the trade uses for one concept; every word maps to the concept's first word. */
const SYNONYMS: readonly (readonly string[])[] = [
  ['brand', 'manufacturer', 'make', 'maker', 'vendor', 'marque'],
  // `part` is a model only as a part number (`IDENTIFIER_NOUNS`): alone it is the item itself.
  ['model', 'mpn'],
  ['upc', 'gtin', 'ean', 'barcode', 'jan', 'isbn'],
  ['color', 'colour'],
  ['finish', 'coating'],
  ['wattage', 'watt', 'watts', 'power', 'wattages'],
  ['voltage', 'volt', 'volts'],
  ['amperage', 'amp', 'amps', 'ampere', 'amperes', 'current'],
  ['lumens', 'lumen', 'luminous', 'brightness'],
  ['kelvin', 'cct'],
  ['weight', 'mass', 'grams', 'weighs'],
  ['description', 'overview'],
  ['title', 'headline'],
  ['msrp', 'rrp', 'srp'],
  ['speeds', 'speed'],
  ['noise', 'sound', 'decibel', 'loudness'],
  ['style', 'theme'],
  ['material', 'materials'],
  ['category', 'department', 'categories'],
  ['width', 'wide'],
  ['height', 'high', 'tall'],
  ['depth', 'deep'],
  ['number', 'count', 'quantity'],
  ['included', 'includes', 'include'],
  ['dimmable', 'dimming', 'dimmer'],
  ['blades', 'blade'],
  ['lights', 'light', 'lamps', 'lamp', 'bulbs', 'bulb'],
  ['warranty', 'guarantee'],
  ['mounting', 'mount', 'mounted'],
];

const CONCEPT = new Map<string, string>();
for (const group of SYNONYMS) for (const word of group) CONCEPT.set(word, group[0]!);

/**
 * Nouns that become an identifier concept when a number word follows them: a part number (`Part
 * No`, `Mfg Part #`, `Manufacturer Part Number`) is the maker's part number, an MPN, i.e. the
 * model number. `part` alone is not: `Part_Manuf` is the part's manufacturer (the maker, a brand),
 * `Part_Desc` the part's description. The manufacturer before a part number says whose number it
 * is; on its own (`Mfr`, `Manufacturer Name`) it names the maker.
 */
const IDENTIFIER_NOUNS: Readonly<Record<string, string>> = { part: 'model' };

/**
 * Nouns for the record itself (`part`, `item`, `product`, `article`): an item master names its
 * columns `Part_Desc`, `Part_Manuf`, `Item Weight`, `Product Title`, where the first word says
 * whose attribute follows, like a table's prefix or a namespace. At the start of a name of two or
 * more words, and not followed by a word that makes it an identifier (`Item Number`, `Product
 * ID`, `Part Code`), it weighs as a parent segment of a dotted path does.
 */
const RECORD_NOUNS = new Set(['part', 'item', 'product', 'article']);
const IDENTIFIER_WORDS = new Set(['number', 'id', 'code', 'sku']);
const RECORD_NOUN_POSITION = 0.6;

/**
 * Words that qualify rather than name (`compliant`, `certified`, `approved`): a boolean column
 * `ADA Compliant` and the field `ada` say the same thing. They keep a small weight.
 */
const QUALIFIERS = new Set([
  'compliant',
  'certified',
  'approved',
  'rated',
  'rating',
  'capable',
  // `level` names the magnitude of what precedes it: `Noise` and `Noise Level` are one attribute.
  'level',
  // `primary`, `main`: the product's own (main) material or colour, not a part's.
  'primary',
  'main',
]);

/**
 * Facet words the trade uses loosely for one another in a column name: the kind of a thing
 * (`Mounting Style` / `Mounting Type`) and its extent (`Downrod Size` / `Downrod Length`). Unlike
 * synonyms they are not folded into one concept (`style` is a field of its own); a key word and a
 * name word of one group match at `RELATED_WORD_CREDIT` of a full match.
 */
const RELATED_WORDS: readonly (readonly string[])[] = [
  ['type', 'style', 'kind'],
  ['size', 'length'],
];
const RELATED_WORD_CREDIT = 0.7;
const RELATED_GROUP = new Map<string, number>();
RELATED_WORDS.forEach((group, index) => {
  for (const word of group) RELATED_GROUP.set(word, index);
});

function relatedWords(left: string, right: string): boolean {
  const group = RELATED_GROUP.get(left);
  return group !== undefined && group === RELATED_GROUP.get(right);
}

/**
 * Words in parentheses that say in which measurement system a value is given (`Width
 * (imperial)`), not what is measured: left out of the key's terms.
 */
const MEASUREMENT_SYSTEMS = new Set(['imperial', 'metric']);

/** Function words: they join names and mean nothing on their own. */
const STOPWORDS = new Set([
  'the',
  'of',
  'and',
  'or',
  'on',
  'in',
  'at',
  'for',
  'with',
  'to',
  'a',
  'an',
  'by',
  'per',
]);

/** Words that, at the leaf of a key, say the column is bookkeeping (links, timestamps, ids). */
export const BOOKKEEPING_WORDS = new Set([
  'url',
  'urls',
  'link',
  'href',
  'uri',
  'picture',
  'image',
  'thumbnail',
  'checked',
  'timestamp',
  'updated',
  'created',
  'modified',
  'id',
  'guid',
  'uuid',
]);

export interface KeyTerms {
  /**
   * Concept words of the key, in order, with their positional weight (leaf 1, parent 0.6, further
   * ancestors 0.15); `namespace` marks a leading record noun (`Part_Desc`), which says whose
   * attribute follows, not which.
   */
  readonly terms: readonly { word: string; position: number; namespace?: boolean }[];
  /** The compact form, for trigram similarity. */
  readonly compact: string;
  /** Words of the leaf segment of a dotted path (the whole key when there is no path). */
  readonly leaf: readonly string[];
}

const conceptOf = (word: string): string => CONCEPT.get(word) ?? stem(word);

/** A light stemmer: plural `s` and `es`, so `racks`/`rack`, `speeds`/`speed` meet. */
function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

function expand(words: readonly string[]): string[] {
  const out: string[] = [];
  words.forEach((word, index) => {
    if (words.length === 1 && DIMENSION_LETTERS[word]) {
      out.push(DIMENSION_LETTERS[word]!);
      return;
    }
    // A unit word at the end of a multi-word name (`rated power w`) names the quantity measured.
    if (index === words.length - 1 && words.length > 1 && UNIT_SUFFIXES[word]) {
      out.push(UNIT_SUFFIXES[word]!);
      return;
    }
    if (word.length === 1 && !/[0-9]/.test(word)) return;
    out.push(...(ABBREVIATIONS[word] ?? [word]));
  });
  return out;
}

/** The terms of a key as a source spells it: `physical.bulb.lumens`, `# of speeds`, `MFG Brand Name`. */
export function keyTerms(key: string): KeyTerms {
  // `#` means "number" in catalogue columns (`# of speeds`); keep it before normalising drops it.
  const spelled = key.replace(/#/g, ' number ');
  const segments = spelled.split('.').filter((segment) => segment.trim() !== '');
  const lastIndex = segments.length - 1;
  const terms: { word: string; position: number; namespace?: boolean }[] = [];
  let leaf: string[] = [];
  segments.forEach((segment, index) => {
    // Leaf 1, its parent 0.6, further ancestors 0.15: a path narrows from namespace to attribute.
    const position = index === lastIndex ? 1 : index === lastIndex - 1 ? 0.6 : 0.15;
    // A parenthesised part qualifies the name (`Width (imperial)`, `Luminous flux (ML)`).
    const outside = segment.replace(/\([^)]*\)/g, ' ');
    const inside = [...segment.matchAll(/\(([^)]*)\)/g)].map((match) => match[1]!).join(' ');
    const words = expand(normaliseKey(outside).split(' ').filter(Boolean));
    const qualifiers = expand(normaliseKey(inside).split(' ').filter(Boolean));
    if (index === lastIndex) leaf = words;
    const content = words.filter((word) => !STOPWORDS.has(word));
    content.forEach((word, at) => {
      const next = content[at + 1];
      if (next === 'number' && IDENTIFIER_NOUNS[word]) {
        terms.push({ word: IDENTIFIER_NOUNS[word]!, position });
      } else if (at === 0 && next !== undefined && !IDENTIFIER_WORDS.has(next) && RECORD_NOUNS.has(word)) {
        terms.push({ word: conceptOf(word), position: position * RECORD_NOUN_POSITION, namespace: true });
      } else {
        terms.push({ word: conceptOf(word), position });
      }
    });
    for (const word of qualifiers)
      if (!STOPWORDS.has(word) && !MEASUREMENT_SYSTEMS.has(word))
        terms.push({ word: conceptOf(word), position });
  });
  return { terms, compact: compactValue(segments[lastIndex] ?? key), leaf };
}

/** Names of a field: its id, its label and every alias, as term lists. */
export function fieldNames(field: PackField): string[] {
  return [
    ...new Set(
      [field.id.replace(/_/g, ' '), field.label, ...field.aliases].map((name) => normaliseKey(name)),
    ),
  ];
}

const UNKNOWN_WORD_WEIGHT = 0.6;
const UNKNOWN_CODE_WEIGHT = 0.1;

/** Document frequency of each concept among the field names of a pack: how common a word is. */
export class FieldVocabulary {
  private readonly frequency = new Map<string, number>();
  private readonly namesByField = new Map<string, { terms: string[]; compact: string }[]>();

  constructor(readonly fields: readonly PackField[]) {
    for (const field of fields) {
      const names = fieldNames(field).map((name) => {
        const terms = keyTerms(name).terms.map((term) => term.word);
        return { terms, compact: compactValue(name) };
      });
      this.namesByField.set(field.id, names);
      const seen = new Set(names.flatMap((name) => name.terms));
      for (const word of seen) this.frequency.set(word, (this.frequency.get(word) ?? 0) + 1);
    }
  }

  /**
   * Informativeness of a word: 1 / (1 + log2(1 + df)), df = fields whose names use it. A word no
   * field uses weighs 1: it is specific, and it is not explained by any field, so it counts
   * against every match. Qualifiers weigh 0.15 whatever their frequency.
   */
  weight(word: string): number {
    if (QUALIFIERS.has(word)) return 0.1;
    const df = this.frequency.get(word) ?? 0;
    // A word no field name uses: a short code (`e1`, `dib`, `hp`, `ea`) is a source's or a
    // namespace's tag and says little; a full word (`gross`, `cutout`, `carton`) qualifies what is
    // measured (a carton's width is not the product's) and counts against the match.
    if (df === 0) return word.length <= 3 || /\d/.test(word) ? UNKNOWN_CODE_WEIGHT : UNKNOWN_WORD_WEIGHT;
    return 1 / (1 + Math.log2(1 + df));
  }

  /**
   * Weight of a key's word at its place in the key: its informativeness times its positional
   * weight. A word no field name uses weighs as a short code when it is in a parent segment of a
   * dotted path (`physical.power`, `device_info.rated_power_w`, `product_info.variants.msrp_ea`):
   * there it names the source's section (a namespace), not what the leaf measures, whereas the
   * same unknown word in the leaf qualifies the attribute (`Gross Weight`) and counts against it.
   */
  termWeight(word: string, position: number, namespace = false): number {
    // A leading record noun names the table, whether or not a field's label starts with it too
    // (`Product Title`): it weighs as an unknown section name.
    if (namespace) return UNKNOWN_CODE_WEIGHT * position;
    if (position < 1 && !QUALIFIERS.has(word) && (this.frequency.get(word) ?? 0) === 0)
      return UNKNOWN_CODE_WEIGHT * position;
    return this.weight(word) * position;
  }

  /** Similarity of a key to one field: the best of its names. */
  similarity(key: KeyTerms, fieldId: string): number {
    const names = this.namesByField.get(fieldId) ?? [];
    let best = 0;
    for (const name of names) best = Math.max(best, this.nameSimilarity(key, name), acronymMatch(key, name));
    return best;
  }

  /**
   * The larger of the weighted Jaccard of concepts and 0.9 × the trigram Dice of compact strings.
   * Jaccard carries the meaning (synonyms folded), Dice rescues run-together and misspelt names
   * (`INPUTVOLTAGE`). Two words match when their concepts are equal or they share a prefix of
   * 5+ letters covering 60% of the shorter (`convertible`/`conversion`).
   */
  private nameSimilarity(key: KeyTerms, name: { terms: string[]; compact: string }): number {
    const keyWeights = new Map<string, number>();
    for (const term of key.terms) {
      const weight = this.termWeight(term.word, term.position, term.namespace);
      keyWeights.set(term.word, Math.max(keyWeights.get(term.word) ?? 0, weight));
    }
    const nameWords = [...new Set(name.terms)];
    let shared = 0;
    let union = 0;
    const matchedKeyWords = new Set<string>();
    for (const word of nameWords) {
      const nameWeight = this.weight(word);
      const match = [...keyWeights.keys()].find(
        (candidate) => candidate === word || similarWords(candidate, word),
      );
      const related =
        match === undefined
          ? [...keyWeights.keys()].find(
              (candidate) => !matchedKeyWords.has(candidate) && relatedWords(candidate, word),
            )
          : undefined;
      if (match !== undefined) {
        matchedKeyWords.add(match);
        const keyWeight = keyWeights.get(match)!;
        shared += Math.min(nameWeight, keyWeight);
        union += Math.max(nameWeight, keyWeight);
      } else if (related !== undefined) {
        matchedKeyWords.add(related);
        const keyWeight = keyWeights.get(related)!;
        shared += RELATED_WORD_CREDIT * Math.min(nameWeight, keyWeight);
        union += Math.max(nameWeight, keyWeight);
      } else {
        union += nameWeight;
      }
    }
    for (const [word, weight] of keyWeights) if (!matchedKeyWords.has(word)) union += weight;
    const jaccard = union === 0 ? 0 : shared / union;
    // Dice only rescues run-together names (`INPUTVOLTAGE`); 0.9 keeps it below an exact match.
    // A key of separate words is read by its words: a near-spelling of one of them (`Blade
    // Material` / `Shade Material`, `Panel Type` / `Fuel Type`, `Flash type` / `Flush Type`) is a
    // different word, not evidence.
    if (!this.hasRunTogetherWord(key)) return jaccard;
    return Math.max(jaccard, 0.9 * trigramDice(key.compact, name.compact));
  }

  /**
   * Does the key's leaf carry a word no field name uses that is several known words written
   * together (`inputvoltage` holds `input` and `voltage`)? Only such a word can be read by spelling.
   */
  private hasRunTogetherWord(key: KeyTerms): boolean {
    return key.terms.some(
      (term) =>
        term.position === 1 &&
        term.word.length >= 8 &&
        (this.frequency.get(term.word) ?? 0) === 0 &&
        this.knownWordsWithin(term.word) >= 2,
    );
  }

  /** How many known words of 4+ letters a word contains, without overlap, left to right. */
  private knownWordsWithin(word: string): number {
    let count = 0;
    let start = 0;
    while (start < word.length) {
      let end = word.length;
      while (end - start >= 4 && !this.frequency.has(word.slice(start, end))) end -= 1;
      if (end - start >= 4) {
        count += 1;
        start = end;
      } else {
        start += 1;
      }
    }
    return count;
  }
}

function similarWords(left: string, right: string): boolean {
  const prefix = commonPrefixLength(left, right);
  return prefix >= 5 && prefix >= 0.6 * Math.min(left.length, right.length);
}

/**
 * A field named by an acronym (`cri`, `cfm`, `ada`) and a key spelling it out (`Color rendering
 * index`): the initials of the key's leaf words, less the acronym itself if also present, equal
 * the name. 0.9: as strong as a near-exact spelling.
 */
function acronymMatch(key: KeyTerms, name: { terms: string[]; compact: string }): number {
  if (name.terms.length !== 1 || !/^[a-z]{2,5}$/.test(name.compact)) return 0;
  const words = key.leaf.filter((word) => word !== name.compact && !STOPWORDS.has(word));
  if (words.length < 2) return 0;
  return words.map((word) => word[0]).join('') === name.compact ? 0.9 : 0;
}

/** Plain token Jaccard of two names (no weights): a cheap second opinion for reviews. */
export function plainNameSimilarity(left: string, right: string): number {
  return tokenJaccard(
    keyTerms(left).terms.map((term) => term.word),
    keyTerms(right).terms.map((term) => term.word),
  );
}
