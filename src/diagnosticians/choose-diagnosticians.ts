import { createLexicalDiagnostician } from './builtin/lexical.ts';
import { createValueProfileDiagnostician } from './builtin/value-profile.ts';
import type { Diagnostician } from './diagnostician.ts';

/** The pair that diagnoses, reviews and approves every fix: today the built-in matchers. */
export function chooseDiagnosticians(): readonly [Diagnostician, Diagnostician] {
  return [createLexicalDiagnostician(), createValueProfileDiagnostician()];
}
