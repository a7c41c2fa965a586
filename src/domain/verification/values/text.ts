/**
 * Text clean-up shared by the value parsers: entity decoding, tag stripping, whitespace, lines,
 * title case, and the contract's rule for which strings count as blank.
 */
import { Parser } from 'htmlparser2';

/** Latin-1 named entities in code-point order from U+00A0 (HTML 4.01 §24.2). */
const LATIN_1_ENTITY_NAMES = [
  'nbsp',
  'iexcl',
  'cent',
  'pound',
  'curren',
  'yen',
  'brvbar',
  'sect',
  'uml',
  'copy',
  'ordf',
  'laquo',
  'not',
  'shy',
  'reg',
  'macr',
  'deg',
  'plusmn',
  'sup2',
  'sup3',
  'acute',
  'micro',
  'para',
  'middot',
  'cedil',
  'sup1',
  'ordm',
  'raquo',
  'frac14',
  'frac12',
  'frac34',
  'iquest',
  'Agrave',
  'Aacute',
  'Acirc',
  'Atilde',
  'Auml',
  'Aring',
  'AElig',
  'Ccedil',
  'Egrave',
  'Eacute',
  'Ecirc',
  'Euml',
  'Igrave',
  'Iacute',
  'Icirc',
  'Iuml',
  'ETH',
  'Ntilde',
  'Ograve',
  'Oacute',
  'Ocirc',
  'Otilde',
  'Ouml',
  'times',
  'Oslash',
  'Ugrave',
  'Uacute',
  'Ucirc',
  'Uuml',
  'Yacute',
  'THORN',
  'szlig',
  'agrave',
  'aacute',
  'acirc',
  'atilde',
  'auml',
  'aring',
  'aelig',
  'ccedil',
  'egrave',
  'eacute',
  'ecirc',
  'euml',
  'igrave',
  'iacute',
  'icirc',
  'iuml',
  'eth',
  'ntilde',
  'ograve',
  'oacute',
  'ocirc',
  'otilde',
  'ouml',
  'divide',
  'oslash',
  'ugrave',
  'uacute',
  'ucirc',
  'uuml',
  'yacute',
  'thorn',
  'yuml',
] as const;

/** Other entities product copy uses: markup, typography, symbols (HTML 4.01 §24.3-24.4, HTML5 upper-case legacy names). */
const OTHER_ENTITY_CODE_POINTS: Readonly<Record<string, number>> = {
  quot: 0x22,
  QUOT: 0x22,
  amp: 0x26,
  AMP: 0x26,
  apos: 0x27,
  lt: 0x3c,
  LT: 0x3c,
  gt: 0x3e,
  GT: 0x3e,
  COPY: 0xa9,
  REG: 0xae,
  OElig: 0x152,
  oelig: 0x153,
  Scaron: 0x160,
  scaron: 0x161,
  Yuml: 0x178,
  fnof: 0x192,
  circ: 0x2c6,
  tilde: 0x2dc,
  Omega: 0x3a9,
  mu: 0x3bc,
  ensp: 0x2002,
  emsp: 0x2003,
  thinsp: 0x2009,
  zwnj: 0x200c,
  zwj: 0x200d,
  lrm: 0x200e,
  rlm: 0x200f,
  hyphen: 0x2010,
  dash: 0x2010,
  ndash: 0x2013,
  mdash: 0x2014,
  lsquo: 0x2018,
  rsquo: 0x2019,
  sbquo: 0x201a,
  ldquo: 0x201c,
  rdquo: 0x201d,
  bdquo: 0x201e,
  dagger: 0x2020,
  Dagger: 0x2021,
  bull: 0x2022,
  hellip: 0x2026,
  permil: 0x2030,
  prime: 0x2032,
  Prime: 0x2033,
  lsaquo: 0x2039,
  rsaquo: 0x203a,
  oline: 0x203e,
  frasl: 0x2044,
  euro: 0x20ac,
  trade: 0x2122,
  TRADE: 0x2122,
  larr: 0x2190,
  rarr: 0x2192,
  minus: 0x2212,
  infin: 0x221e,
  asymp: 0x2248,
  ne: 0x2260,
  le: 0x2264,
  ge: 0x2265,
  check: 0x2713,
  cross: 0x2717,
};

const NAMED_ENTITIES: ReadonlyMap<string, string> = new Map([
  ...LATIN_1_ENTITY_NAMES.map((name, index): [string, string] => [name, String.fromCodePoint(0xa0 + index)]),
  ...Object.entries(OTHER_ENTITY_CODE_POINTS).map(([name, codePoint]): [string, string] => [
    name,
    String.fromCodePoint(codePoint),
  ]),
]);

/**
 * Numeric references 0x80-0x9F name windows-1252 characters, because that is what pages that
 * write `&#146;` for an apostrophe meant (WHATWG HTML, "numeric character reference end state").
 */
const WINDOWS_1252_C1: Readonly<Record<number, number>> = {
  128: 0x20ac,
  130: 0x201a,
  131: 0x192,
  132: 0x201e,
  133: 0x2026,
  134: 0x2020,
  135: 0x2021,
  136: 0x2c6,
  137: 0x2030,
  138: 0x160,
  139: 0x2039,
  140: 0x152,
  142: 0x17d,
  145: 0x2018,
  146: 0x2019,
  147: 0x201c,
  148: 0x201d,
  149: 0x2022,
  150: 0x2013,
  151: 0x2014,
  152: 0x2dc,
  153: 0x2122,
  154: 0x161,
  155: 0x203a,
  156: 0x153,
  158: 0x17e,
  159: 0x178,
};

const REPLACEMENT_CHARACTER = '\uFFFD';

function decodeNumericReference(digits: string, radix: 10 | 16): string {
  // Cap the length before parsing so a run of digits cannot become a float that loses its value.
  const codePoint = digits.length > 8 ? Number.POSITIVE_INFINITY : Number.parseInt(digits, radix);
  if (codePoint === 0 || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) {
    return REPLACEMENT_CHARACTER;
  }
  return String.fromCodePoint(WINDOWS_1252_C1[codePoint] ?? codePoint);
}

/**
 * Decodes named (`&quot;`, `&amp;`, `&nbsp;`, `&reg;`, `&trade;`, `&deg;`...) and numeric
 * (`&#39;`, `&#x27;`) character references in one pass, so `&amp;quot;` becomes `&quot;` and not `"`.
 * Unknown names and references without their `;` are left as written.
 */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(
    /&(?:#(\d+)|#[xX]([0-9a-fA-F]+)|([A-Za-z][A-Za-z0-9]*));/g,
    (whole, decimal: string | undefined, hexadecimal: string | undefined, name: string | undefined) => {
      if (decimal !== undefined) return decodeNumericReference(decimal, 10);
      if (hexadecimal !== undefined) return decodeNumericReference(hexadecimal, 16);
      return (name !== undefined && NAMED_ENTITIES.get(name)) || whole;
    },
  );
}

/** Elements whose boundaries separate lines of text, so stripping them must not glue words together. */
const BLOCK_ELEMENTS: ReadonlySet<string> = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'br',
  'caption',
  'dd',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'li',
  'main',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'tr',
  'ul',
]);

/** Elements whose content is never visible text. */
const HIDDEN_ELEMENTS: ReadonlySet<string> = new Set(['script', 'style', 'template', 'noscript', 'head']);

/**
 * The visible text of an HTML fragment: entities decoded, one line per block (`<p>`, `<li>`,
 * `<br>`, cells...), spaces inside a line collapsed, empty lines dropped. Malformed HTML gives
 * whatever text can be read.
 */
export function stripTags(html: string): string {
  if (!html.includes('<'))
    return splitLines(decodeEntities(html))
      .map((line) => normaliseSpace(line))
      .join('\n');
  const parts: string[] = [];
  let hiddenDepth = 0;
  const parser = new Parser(
    {
      onopentag(name) {
        if (HIDDEN_ELEMENTS.has(name)) hiddenDepth += 1;
        if (BLOCK_ELEMENTS.has(name)) parts.push('\n');
      },
      onclosetag(name) {
        if (HIDDEN_ELEMENTS.has(name) && hiddenDepth > 0) hiddenDepth -= 1;
        if (BLOCK_ELEMENTS.has(name)) parts.push('\n');
      },
      ontext(text) {
        if (hiddenDepth === 0) parts.push(text);
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();
  return splitLines(parts.join(''))
    .map((line) => normaliseSpace(line))
    .filter((line) => line !== '')
    .join('\n');
}

export interface NormaliseSpaceOptions {
  /**
   * Also turn the Unicode hyphens and dashes (U+2010-U+2014, U+2212 minus, full-width and small
   * hyphen-minus) into `-`. Off by default because a title or a model name should keep them.
   */
  readonly asciiHyphens?: boolean;
}

/**
 * Collapses every run of white space (ASCII, U+00A0 no-break space, U+3000 ideographic space,
 * U+2000-U+200A, line breaks...) to one space and trims; removes zero-width spaces and BOMs.
 */
export function normaliseSpace(text: string, options: NormaliseSpaceOptions = {}): string {
  // Most values are already normal; one test spares them two replacements and a copy.
  let result = NEEDS_SPACE_WORK.test(text)
    ? text
        .replace(/[\u200B\u2060\uFEFF]/gu, '')
        .replace(/\s+/gu, ' ')
        .trim()
    : text;
  if (options.asciiHyphens === true) result = result.replace(/[\u2010-\u2014\u2212\uFE63\uFF0D]/gu, '-');
  return result;
}

/** White space other than single inner spaces, or a zero-width character: what normaliseSpace changes. */
const NEEDS_SPACE_WORK = /[^\S ]| {2}|^ | $|[\u200B\u2060\uFEFF]/u;

/** Splits on CRLF, CR or LF (Ferguson's category lists use CRLF), trims each line, drops empty lines. */
export function splitLines(text: string): string[] {
  return text
    .split(/\r\n|\r|\n/u)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/**
 * Title case: each word and each hyphen- or slash-separated part starts upper case, the rest lower
 * case (`"GARBAGE DISPOSALS"` → `"Garbage Disposals"`, `"52-inch"` → `"52-Inch"`). A word already
 * written in mixed case (`KitchenAid`, `iOS`) is kept, since its author chose that spelling; an
 * all-capitals acronym cannot be told from a shouted word, so it is title-cased like the peer does.
 */
export function toTitle(text: string): string {
  return normaliseSpace(text).replace(/[\p{L}\p{N}'’]+/gu, (word) => {
    const isMixedCase = word !== word.toLowerCase() && word !== word.toUpperCase();
    if (isMixedCase) return word;
    const lower = word.toLowerCase();
    const first = lower.match(/\p{L}/u);
    if (first === null || first.index === undefined) return lower;
    // A word that starts with a digit ("2nd", "4x") is a number with a suffix, not a name.
    if (first.index > 0) return lower;
    return lower.charAt(0).toUpperCase() + lower.slice(1);
  });
}

/**
 * Strings Salesforce must receive as `""`: the peer's `sanitizeForSalesforce` blanks them because
 * they "break SF Apex JSON deserializer" (PEER-CONTRACT.md §5.1). Compared case-insensitively.
 */
const BLANK_SPELLINGS: ReadonlySet<string> = new Set([
  'n/a',
  'na',
  'n.a.',
  'not applicable',
  'not available',
  'none',
  'unknown',
]);

/**
 * The contract's blanking rule: null, undefined, empty or white-space strings, `N/A`, `NA`, `n/a`,
 * `Not Applicable`, `Not Available`, `None`, `Unknown`, strings made only of dashes (`-`, `--`,
 * `—`), and fenced placeholders (`-- No DIB Brand --`) are blank. `"Not Found"` and `"None Identified"` are answers and are not blank; numbers,
 * booleans and objects are never blank.
 */
export function isBlankLike(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value !== 'string') return false;
  const first = FIRST_VISIBLE.exec(value);
  if (first === null) return true;
  // Every blank spelling starts with n, u, a dash or a fence: any other text is an answer.
  if (!MAY_START_BLANK.test(first[0])) return false;
  const normalised = normaliseSpace(value).toLowerCase();
  if (normalised === '') return true;
  if (/^[-\u2010-\u2015\u2212]+$/u.test(normalised)) return true;
  if (FENCED_PLACEHOLDER.test(normalised)) return true;
  return BLANK_SPELLINGS.has(normalised);
}

/**
 * An item master's way of writing "nothing here": a phrase of no/none/not/un-words fenced by
 * dashes or brackets (`-- No DIB Brand --`, `-- Unbranded --`, `[none]`, `<not set>`). Such a
 * column carries data on other records, so the value is blank, not the key.
 */
const FIRST_VISIBLE = /[^\s\u200B\u2060\uFEFF]/u;
const MAY_START_BLANK = /[nNuU[<(\-\u2010-\u2015\u2212]/u;

const FENCED_PLACEHOLDER = /^(?:-{1,3}|\[|<|\()\s*(?:no|none|not|n\/a|un[a-z]*)\b.*?(?:-{1,3}|\]|>|\))$/;
