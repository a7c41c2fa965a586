/**
 * Key and value normal forms. Keys are compared word by word (`MFG Brand Name`,
 * `mfg_brand_name`, `MFG_Brand_Name__c` and `mfgBrandName` are one key); picklist names and
 * mapped values are compared in a compact form that ignores case, accents, spacing,
 * punctuation, trademark glyphs and the picklists' trailing ` #`.
 */

const COMBINING_MARKS = /[\u0300-\u036f]/g;

/**
 * Source keys and picklist values repeat across records, so their normal forms are memoised;
 * the memo is bounded and simply starts over when full (pure functions: nothing to invalidate).
 */
function memoised(compute: (text: string) => string, limit = 50_000): (text: string) => string {
  let memo = new Map<string, string>();
  return (text) => {
    const known = memo.get(text);
    if (known !== undefined) return known;
    const value = compute(text);
    if (memo.size >= limit) memo = new Map();
    memo.set(text, value);
    return value;
  };
}

export const normaliseKey = memoised((key) =>
  key
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '')
    .replace(/__c$/i, '')
    // camelCase boundaries: a lower-case letter before a capital (`mfgBrandName`), or a digit before
    // a capitalised word (`model2Name`). A digit before a lone capital is part of the word: `3G`,
    // `4K` and `A0A` must read as `3g_standards` and `4k` do, not as `3 g`.
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([0-9])([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim(),
);

export const compactValue = memoised((value) =>
  value
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '')
    .replace(/\s#\s*$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ''),
);

/** Words of a value, for vocabulary checks (finish terms). */
export function valueWords(value: string): string {
  return value
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** `Blade Span` → `blade_span`: the contract's `field_key` of a filter attribute. */
export function snakeCase(name: string): string {
  return normaliseKey(name).replace(/ /g, '_');
}
