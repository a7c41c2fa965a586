/**
 * String similarity measures the built-in diagnosticians share, all symmetric and in [0, 1]:
 *
 * - token Jaccard, optionally weighted (|A ∩ B| / |A ∪ B| over word sets);
 * - character trigram Dice (2·|T(a) ∩ T(b)| / (|T(a)| + |T(b)|) over padded trigram multisets),
 *   which survives run-together words (`INPUTVOLTAGE` / `input voltage`) and small typos;
 * - normalised Levenshtein similarity (1 − edits / longer length), the plain baseline the
 *   diagnosis-quality bench compares the pair against.
 */

/** Character trigrams of a compact string, padded so one- and two-letter words still have some. */
export function trigrams(text: string): Map<string, number> {
  const padded = `  ${text} `;
  const grams = new Map<string, number>();
  for (let index = 0; index + 3 <= padded.length; index += 1) {
    const gram = padded.slice(index, index + 3);
    grams.set(gram, (grams.get(gram) ?? 0) + 1);
  }
  return grams;
}

export function trigramDice(left: string, right: string): number {
  if (left === '' || right === '') return left === right ? 1 : 0;
  if (left === right) return 1;
  const a = trigrams(left);
  const b = trigrams(right);
  let shared = 0;
  let total = 0;
  for (const [gram, count] of a) {
    shared += Math.min(count, b.get(gram) ?? 0);
    total += count;
  }
  for (const count of b.values()) total += count;
  return total === 0 ? 0 : (2 * shared) / total;
}

export function tokenJaccard(left: readonly string[], right: readonly string[]): number {
  const a = new Set(left);
  const b = new Set(right);
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const token of a) if (b.has(token)) shared += 1;
  return shared / (a.size + b.size - shared);
}

export function levenshtein(left: string, right: string): number {
  if (left === right) return 0;
  if (left.length === 0) return right.length;
  if (right.length === 0) return left.length;
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= right.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (left[i - 1] === right[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[right.length] ?? 0;
}

/** 1 − edit distance / length of the longer string. */
export function levenshteinSimilarity(left: string, right: string): number {
  const longer = Math.max(left.length, right.length);
  return longer === 0 ? 1 : 1 - levenshtein(left, right) / longer;
}

/** Length of the common prefix of two words. */
export function commonPrefixLength(left: string, right: string): number {
  let index = 0;
  while (index < left.length && index < right.length && left[index] === right[index]) index += 1;
  return index;
}
