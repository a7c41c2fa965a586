import { valueWords } from './normalise.ts';

/**
 * A finish is a surface treatment (brushed, matte, polished, satin, fingerprint resistant); a
 * colour is a colour (white, black, stainless steel). Sources mix them ("Satin Natural
 * Bronze", "Matte Black"), so each value is split: the finish terms of the rule set go to the
 * finish, the remaining words to the colour. Nothing is guessed: a value with no finish term
 * gives no finish.
 */
export interface ColorAndFinish {
  readonly color: string | null;
  readonly finish: string | null;
}

/** Words are separated by spaces, commas and slashes; a lone `-` or `&` is a separator too. */
const WORD = /[^\s,/]+/g;
const SEPARATOR_TOKENS = new Set(['-', '&']);

interface Word {
  readonly text: string;
  readonly normalised: string;
  readonly start: number;
  readonly end: number;
}

/**
 * The words of one part joined as the source wrote them: two words keep the comma, slash, `&` or
 * "and" that stood between them, so "Black, White" stays two colours instead of becoming the one
 * colour "Black White" that no source stated. Words of the other part that stood between them are
 * left out.
 */
function joinPart(text: string, words: readonly Word[], all: readonly Word[]): string | null {
  if (words.length === 0) return null;
  let joined = words[0]!.text;
  for (let index = 1; index < words.length; index += 1) {
    const previous = words[index - 1]!;
    const current = words[index]!;
    // The separators between the two words: the text outside any word, plus `&`, `-` and "and".
    let gap = '';
    let cursor = previous.end;
    for (const word of all) {
      if (word.start < previous.end || word.end > current.start) continue;
      gap += text.slice(cursor, word.start);
      if (SEPARATOR_TOKENS.has(word.text)) gap += word.text;
      else if (word.normalised === 'and') gap += '&';
      cursor = word.end;
    }
    gap += text.slice(cursor, current.start);
    const separator = gap.includes(',') ? ', ' : gap.includes('/') ? '/' : gap.includes('&') ? ' & ' : ' ';
    joined += separator + current.text;
  }
  return joined;
}

/**
 * Terms by their first word, built once per term list: a rule set's list lives as long as the
 * compiled rule set that holds it, so the index is kept beside it, not rebuilt per value.
 */
const termIndexes = new WeakMap<readonly string[], ReadonlyMap<string, readonly string[][]>>();

function termIndexOf(terms: readonly string[]): ReadonlyMap<string, readonly string[][]> {
  let index = termIndexes.get(terms);
  if (index === undefined) {
    const built = new Map<string, string[][]>();
    for (const term of terms) {
      const termWords = term.split(' ');
      built.set(termWords[0]!, [...(built.get(termWords[0]!) ?? []), termWords]);
    }
    index = built;
    termIndexes.set(terms, index);
  }
  return index;
}

export function splitColorAndFinish(text: string, finishTerms: readonly string[]): ColorAndFinish {
  const all: Word[] = [...text.matchAll(WORD)].map((match) => ({
    text: match[0],
    normalised: valueWords(match[0]),
    start: match.index,
    end: match.index + match[0].length,
  }));
  const words = all.filter((word) => !SEPARATOR_TOKENS.has(word.text));
  const isFinish = new Array<boolean>(words.length).fill(false);
  // Every occurrence of every term marks its words (a union, so no term order matters).
  const termsByFirstWord = termIndexOf(finishTerms);
  for (let start = 0; start < words.length; start += 1) {
    for (const termWords of termsByFirstWord.get(words[start]!.normalised) ?? []) {
      if (start + termWords.length > words.length) continue;
      const matches = termWords.every((termWord, offset) => words[start + offset]!.normalised === termWord);
      if (matches)
        for (let offset = 0; offset < termWords.length; offset += 1) isFinish[start + offset] = true;
    }
  }
  const finishWords = words.filter((_, index) => isFinish[index]);
  const colorWords = words.filter(
    (word, index) => !isFinish[index] && word.normalised !== 'finish' && word.normalised !== 'and',
  );
  return { finish: joinPart(text, finishWords, all), color: joinPart(text, colorWords, all) };
}
