import { compactValue, normaliseKey } from '../../domain/verification/normalise.ts';
import type { ContextPack, Diagnostician } from '../diagnostician.ts';
import { builtinDiagnostician, type Evidence, type Ranked } from './builtin-diagnostician.ts';
import { BOOKKEEPING_WORDS, FieldVocabulary, keyTerms } from './key-lexicon.ts';
import { informativeValues, type KeySubject, keyWithTagAsNamespace } from './pack-structure.ts';
import { trigramDice } from './text-similarity.ts';

/**
 * The `lexical` built-in diagnostician (DESIGN.md §5): what the words of a key say. A key maps to
 * the field whose names (id, label, aliases) it resembles most, by the weighted concept Jaccard
 * and trigram Dice of `key-lexicon.ts`. Thresholds, on that [0, 1] similarity:
 *
 * - 0.62 to propose an alias: below it the shared words are generic (`type`, `number`) or only
 *   part of a longer name (`Self-cleaning Oven Racks` is not `self_cleaning`);
 * - 0.5 to agree with another's alias: a reviewer accepts a plausible name it would not have
 *   chosen itself, since the other diagnostician brings evidence this one lacks;
 * - a lead of 0.03 over the runner-up to single a field out;
 * - confidence 30 + 70 × similarity, less 15 when the runner-up is within 0.08.
 */

const vocabularies = new WeakMap<ContextPack['fields'], FieldVocabulary>();

function vocabularyOf(pack: ContextPack): FieldVocabulary {
  let vocabulary = vocabularies.get(pack.fields);
  if (!vocabulary) {
    vocabulary = new FieldVocabulary(pack.fields);
    vocabularies.set(pack.fields, vocabulary);
  }
  return vocabulary;
}

/** The key's terms, with a source tag its sibling keys share read as a namespace. */
const termsOf = (pack: ContextPack, subject: KeySubject) => keyTerms(keyWithTagAsNamespace(pack, subject));

function rank(pack: ContextPack, subject: KeySubject, exclude: ReadonlySet<string>): Ranked[] {
  const vocabulary = vocabularyOf(pack);
  const terms = termsOf(pack, subject);
  return pack.fields
    .filter((field) => !exclude.has(field.id))
    .map((field) => ({ field: field.id, score: vocabulary.similarity(terms, field.id) }))
    .sort((a, b) => b.score - a.score || a.field.localeCompare(b.field));
}

export const lexicalEvidence: Evidence = {
  name: 'lexical',
  describes: "the key's words",
  proposeAt: 0.62,
  agreeAt: 0.5,
  minMargin: 0.03,
  rank,
  score: (pack, subject, fieldId) => vocabularyOf(pack).similarity(termsOf(pack, subject), fieldId),
  proposalConfidence: (best, runnerUp) =>
    Math.round(
      Math.min(98, 30 + 70 * best.score - (runnerUp && best.score - runnerUp.score < 0.08 ? 15 : 0)),
    ),
  // Far from every field name: confident that no alias is right; in between: unsure.
  noFieldConfidence: (best) => (best === undefined || best.score < 0.35 ? 75 : 45),
  bookkeeping(subject) {
    const leaf = keyTerms(subject.key).leaf;
    // The last such word: `Picture_URL__c` is a URL (of a picture), and says so at its end.
    const word = leaf.findLast((candidate) => BOOKKEEPING_WORDS.has(candidate));
    if (word !== undefined)
      return `its name says "${word}": a link, timestamp or internal id, not an attribute`;
    if (subject.values.length > 0 && informativeValues(subject.values).length === 0)
      return 'it only ever carries placeholders such as "-- none --"';
    return null;
  },
  picklistTarget(pack) {
    const value = pack.issue.value;
    if (value === undefined || pack.picklist === undefined) return null;
    // Spelling evidence: the nearest entry by trigram Dice of compact forms, clearly ahead of the next.
    const scored = pack.picklist.near
      .map((name) => ({ name, dice: trigramDice(compactValue(value), compactValue(name)) }))
      .sort((a, b) => b.dice - a.dice || a.name.localeCompare(b.name));
    const [best, next] = scored;
    if (!best || best.dice < 0.75 || (next && best.dice - next.dice < 0.1)) return null;
    return {
      to: best.name,
      confidence: Math.round(Math.min(95, 40 + 60 * best.dice)),
      why: `"${value}" and "${best.name}" are spelled alike (trigram Dice ${best.dice.toFixed(2)})`,
    };
  },
  plausibleChange(_pack, change, field, ops) {
    // A changed field is plausible when an op names it, or comes from a key the ops brought in.
    return ops.some((op) => {
      if (op.op === 'add_alias') return op.field === field;
      if (op.op === 'add_family_affix') {
        const affix = normaliseKey(op.suffix ?? op.prefix ?? '');
        return change.sources.some((source) => normaliseKey(source).includes(affix));
      }
      if (op.op === 'add_picklist_alias') return field === op.picklist;
      return false;
    });
  },
};

export function createLexicalDiagnostician(): Diagnostician {
  return builtinDiagnostician(lexicalEvidence);
}
