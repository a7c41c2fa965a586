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

export function splitColorAndFinish(text: string, finishTerms: readonly string[]): ColorAndFinish {
  const words = text.split(/[\s,/]+/).filter((word) => word !== '' && word !== '-' && word !== '&');
  const normalised = words.map((word) => valueWords(word));
  const isFinish = new Array<boolean>(words.length).fill(false);
  // Longest terms first, so "fingerprint resistant" wins over a shorter overlapping term.
  const terms = [...finishTerms].sort((a, b) => b.split(' ').length - a.split(' ').length);
  for (const term of terms) {
    const termWords = term.split(' ');
    for (let start = 0; start + termWords.length <= words.length; start += 1) {
      const matches = termWords.every((termWord, offset) => normalised[start + offset] === termWord);
      if (matches)
        for (let offset = 0; offset < termWords.length; offset += 1) isFinish[start + offset] = true;
    }
  }
  const finishWords = words.filter((_, index) => isFinish[index]);
  const colorWords = words.filter(
    (_, index) => !isFinish[index] && normalised[index] !== 'finish' && normalised[index] !== 'and',
  );
  return {
    finish: finishWords.length > 0 ? finishWords.join(' ') : null,
    color: colorWords.length > 0 ? colorWords.join(' ') : null,
  };
}
