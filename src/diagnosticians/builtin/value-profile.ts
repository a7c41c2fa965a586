import { compactValue } from '../../domain/verification/normalise.ts';
import type { ContextPack, Diagnostician } from '../diagnostician.ts';
import { builtinDiagnostician, type Evidence, type Ranked } from './builtin-diagnostician.ts';
import type { KeySubject } from './pack-structure.ts';
import {
  bookkeepingShare,
  expectationOf,
  type FieldExpectation,
  fitOf,
  valueSupport,
} from './value-shape.ts';

/**
 * The `value-profile` built-in diagnostician (DESIGN.md §5): do the key's values look like the
 * values a field carries? Evidence independent of the key's name (see `value-shape.ts`): units,
 * magnitudes, GTIN check digits, yes/no, text length, colour words, and agreement with values the
 * field carried in stored verified results. Thresholds, on the [0, 1] fit:
 *
 * - 0.75 to propose a field, and a lead of 0.1 over the runner-up: values alone single out a
 *   field only when they agree with what it carried, or carry its unit; a yes/no fits every
 *   boolean field equally and is left to the other evidence;
 * - 0.55 to agree with another's alias (a review confidence of 35 + 65 × fit ≥ 71);
 * - 90% placeholders, links or timestamps make a key bookkeeping (`add_ignored_key`).
 */

const expectations = new WeakMap<ContextPack['fields'], FieldExpectation[]>();

function expectationsOf(pack: ContextPack): FieldExpectation[] {
  let list = expectations.get(pack.fields);
  if (!list) {
    list = pack.fields.map(expectationOf);
    expectations.set(pack.fields, list);
  }
  return list;
}

function rank(pack: ContextPack, subject: KeySubject, exclude: ReadonlySet<string>): Ranked[] {
  return expectationsOf(pack)
    .filter((expectation) => !exclude.has(expectation.field.id))
    .map((expectation) => {
      const fit = fitOf(subject.values, expectation);
      return { field: fit.field, score: fit.score };
    })
    .filter((entry) => entry.score > 0)
    .sort((a, b) => b.score - a.score || a.field.localeCompare(b.field));
}

export const valueProfileEvidence: Evidence = {
  name: 'value-profile',
  describes: "the key's values",
  proposeAt: 0.75,
  agreeAt: 0.55,
  minMargin: 0.1,
  rank,
  score(pack, subject, fieldId) {
    const expectation = expectationsOf(pack).find((candidate) => candidate.field.id === fieldId);
    return expectation ? fitOf(subject.values, expectation).score : 0;
  },
  proposalConfidence: (best, runnerUp) =>
    Math.round(Math.min(97, 35 + 65 * best.score - (runnerUp && best.score - runnerUp.score < 0.2 ? 10 : 0))),
  // Values that fit no field at all (GB, MHz, pixels): confident that no alias is right.
  noFieldConfidence: (best, subject) =>
    subject.values.length === 0 ? 20 : best === undefined || best.score < 0.3 ? 80 : 40,
  bookkeeping(subject) {
    const { share, informative } = bookkeepingShare(subject.values);
    if (subject.values.length === 0 || share < 0.9) return null;
    return `${Math.round(share * 100)}% of its values are placeholders, links or timestamps (${informative} informative)`;
  },
  picklistTarget(pack) {
    const picklist = pack.picklist;
    if (picklist === undefined) return null;
    // Value evidence for a picklist: the entry verified on the jobs that carry the missed value.
    const total = picklist.cooccurring.reduce((sum, entry) => sum + entry.jobs, 0);
    const [top] = [...picklist.cooccurring].sort((a, b) => b.jobs - a.jobs || a.name.localeCompare(b.name));
    if (!top || top.jobs < 2 || total === 0) return null;
    const share = top.jobs / total;
    const near = picklist.near.find((name) => compactValue(name) === compactValue(top.name));
    if (near === undefined || share < 0.8) return null;
    return {
      to: near,
      confidence: Math.round(Math.min(95, 55 + 40 * share)),
      why: `${top.jobs} of ${total} jobs carrying the value were verified as "${near}"`,
    };
  },
  plausibleChange(pack, change, field) {
    if (change.after === null || change.after === undefined || change.after === '') return false;
    const expectation = expectationsOf(pack).find((candidate) => candidate.field.id === field);
    if (!expectation) return false;
    const after = typeof change.after === 'boolean' ? (change.after ? 'Yes' : 'No') : String(change.after);
    return valueSupport(after, expectation) >= 0.5;
  },
};

export function createValueProfileDiagnostician(): Diagnostician {
  return builtinDiagnostician(valueProfileEvidence);
}
