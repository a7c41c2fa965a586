import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Diagnosis, Review } from '../../src/diagnosticians/diagnostician.ts';
import type { FixOp } from '../../src/domain/rule-set/fix-ops.ts';
import {
  type ConsensusInput,
  type ConsensusResult,
  decideConsensus,
  endorsementBy,
  sameProposal,
} from '../../src/healing/consensus.ts';

/**
 * Phase 2's consensus rule (DESIGN.md §4) as decideConsensus states it: a fix has consensus when
 * its author's own confidence and the other's agreeing review both reach the minimum; between two
 * agreed candidates the higher mean, then the lower risk, then the fewer ops, then seat a; system-
 * wide ops need both endorsements, and an alias variant no stored job carried needs both authors.
 */

const MIN = 70;

/** The _Legacy rename of examples/legacy-rename, and the spellings its keys come in. */
const AFFIX: FixOp = { op: 'add_family_affix', family: 'manual', suffix: '_Legacy' };
const BRAND_ALIAS: FixOp = { op: 'add_alias', field: 'brand', key: 'Brand_Legacy', families: ['record'] };
const MODEL_ALIAS: FixOp = {
  op: 'add_alias',
  field: 'model_number',
  key: 'Model_Number_Legacy',
  families: ['record'],
};
const UPC_ALIAS: FixOp = { op: 'add_alias', field: 'upc', key: 'UPC_Legacy', families: ['record'] };
const REMOVE_ALIAS: FixOp = { op: 'remove_alias', field: 'brand', key: 'brand name' };
const CONSTRAINT: FixOp = { op: 'set_constraint', field: 'wattage', max: 2000 };

function diagnosis(fixOps: FixOp[], confidence: number, systemWideOps: FixOp[] = []): Diagnosis {
  return {
    rootCause: fixOps.length === 0 ? 'no rule-set change is right' : 'a renamed source key',
    fixOps,
    systemWideOps,
    confidence,
    rationale: 'test',
  };
}

const review = (agrees: boolean, confidence: number): Review => ({
  agrees,
  confidence,
  concerns: agrees ? [] : ['not this field'],
  suggestions: [],
});

function input(overrides: Partial<ConsensusInput>): ConsensusInput {
  return {
    a: diagnosis([AFFIX], 90),
    b: diagnosis([AFFIX], 90),
    reviewOfA: review(true, 90),
    reviewOfB: review(true, 90),
    minConfidence: MIN,
    required: true,
    systemWideEnabled: true,
    observedKeys: new Set(),
    ...overrides,
  };
}

type Agreed = Extract<ConsensusResult, { status: 'agreed' }>;

function agreed(result: ConsensusResult): Agreed {
  assert.equal(result.status, 'agreed', JSON.stringify(result));
  if (result.status !== 'agreed') throw new Error('unreachable');
  return result;
}

function noConsensus(result: ConsensusResult): Extract<ConsensusResult, { status: 'no_consensus' }> {
  assert.equal(result.status, 'no_consensus', JSON.stringify(result));
  if (result.status !== 'no_consensus') throw new Error('unreachable');
  return result;
}

describe('decideConsensus: endorsement of one fix', () => {
  it('agrees when the author and the reviewer both reach the minimum', () => {
    const result = agreed(
      decideConsensus(
        input({
          a: diagnosis([AFFIX], 88),
          reviewOfA: review(true, 76),
          b: diagnosis([], 80),
          reviewOfB: review(false, 90),
        }),
      ),
    );
    assert.deepEqual(result, {
      status: 'agreed',
      seat: 'a',
      fixOps: [AFFIX],
      systemWideOps: [],
      dropped: [],
      confidence: 82,
      confidences: { a: 88, b: 80 },
      risk: 'low',
    });
  });

  it('refuses a fix whose author is below the minimum, whatever the review', () => {
    const result = noConsensus(
      decideConsensus(
        input({
          a: diagnosis([BRAND_ALIAS], 60),
          reviewOfA: review(true, 99),
          b: diagnosis([], 40),
          reviewOfB: review(false, 99),
        }),
      ),
    );
    assert.deepEqual(result.confidences, { a: 60, b: 40 });
    assert.match(result.reason, /a's own confidence 60 is below 70/);
    assert.match(result.reason, /b proposed no fix/);
  });

  it('refuses a fix the reviewer agrees with below the minimum', () => {
    const result = noConsensus(
      decideConsensus(
        input({
          a: diagnosis([BRAND_ALIAS], 95),
          reviewOfA: review(true, 50),
          b: diagnosis([], 90),
          reviewOfB: review(true, 90),
        }),
      ),
    );
    assert.match(result.reason, /the review of a's fix agreed at only 50/);
  });

  it('refuses a fix the reviewer disagrees with, even at full confidence', () => {
    const result = noConsensus(
      decideConsensus(
        input({
          a: diagnosis([BRAND_ALIAS], 95),
          reviewOfA: review(false, 100),
          b: diagnosis([MODEL_ALIAS], 95),
          reviewOfB: review(false, 100),
        }),
      ),
    );
    assert.match(result.reason, /the other diagnostician disagreed with a's fix/);
    assert.match(result.reason, /the other diagnostician disagreed with b's fix/);
    assert.deepEqual(result.confidences, { a: 95, b: 95 });
  });

  it('takes exactly the minimum as enough: 70 passes, 69 fails (author and reviewer)', () => {
    const at = (author: number, reviewer: number) =>
      decideConsensus(
        input({
          a: diagnosis([AFFIX], author),
          reviewOfA: review(true, reviewer),
          b: diagnosis([], 10),
          reviewOfB: review(false, 10),
        }),
      );
    const both70 = agreed(at(70, 70));
    assert.equal(both70.confidence, 70);
    assert.equal(both70.seat, 'a');
    assert.equal(at(69, 70).status, 'no_consensus');
    assert.equal(at(70, 69).status, 'no_consensus');
    assert.equal(at(69, 69).status, 'no_consensus');
  });

  it('endorses one diagnostician’s fix while the other proposed none, with its review agreeing', () => {
    const result = agreed(
      decideConsensus(
        input({
          a: diagnosis([], 85),
          reviewOfA: review(true, 85),
          b: diagnosis([BRAND_ALIAS], 80),
          reviewOfB: review(true, 72),
        }),
      ),
    );
    assert.equal(result.seat, 'b');
    assert.deepEqual(result.fixOps, [BRAND_ALIAS]);
    assert.equal(result.confidence, 76);
    assert.deepEqual(result.confidences, { a: 85, b: 80 });
  });

  it('with required: false the author’s confidence alone endorses a fix, and is the confidence', () => {
    const result = agreed(
      decideConsensus(
        input({
          required: false,
          a: diagnosis([BRAND_ALIAS], 70),
          reviewOfA: review(false, 0),
          b: diagnosis([], 20),
          reviewOfB: review(false, 0),
        }),
      ),
    );
    assert.equal(result.seat, 'a');
    assert.equal(result.confidence, 70);
    assert.deepEqual(result.fixOps, [BRAND_ALIAS]);
    // Still the author's own minimum.
    const below = noConsensus(
      decideConsensus(
        input({
          required: false,
          a: diagnosis([BRAND_ALIAS], 69),
          reviewOfA: review(true, 100),
          b: diagnosis([], 20),
        }),
      ),
    );
    assert.match(below.reason, /a's own confidence 69 is below 70/);
  });
});

describe('decideConsensus: "no fix"', () => {
  it('is agreed when both propose no fix, each at the minimum or above', () => {
    const result = decideConsensus(
      input({
        a: diagnosis([], 70),
        b: diagnosis([], 85),
        reviewOfA: review(true, 0),
        reviewOfB: review(true, 0),
      }),
    );
    assert.deepEqual(result, {
      status: 'no_fix_agreed',
      confidence: 77.5,
      reason: 'both diagnosticians found that no rule-set change is right',
    });
  });

  it('is no consensus when one of the "no fix" answers is below the minimum', () => {
    const result = noConsensus(decideConsensus(input({ a: diagnosis([], 90), b: diagnosis([], 69) })));
    assert.equal(result.reason, 'both proposed no fix, but not both at 70% or more (90%, 69%): unsure');
    assert.deepEqual(result.confidences, { a: 90, b: 69 });
  });

  it('is no consensus when one proposes no fix and the other’s fix is not endorsed', () => {
    const result = noConsensus(
      decideConsensus(
        input({ a: diagnosis([], 95), b: diagnosis([BRAND_ALIAS], 90), reviewOfB: review(false, 95) }),
      ),
    );
    assert.equal(result.reason, "a proposed no fix; the other diagnostician disagreed with b's fix");
  });
});

describe('decideConsensus: two agreed candidates', () => {
  it('takes the higher mean', () => {
    const result = agreed(
      decideConsensus(
        input({
          a: diagnosis([BRAND_ALIAS], 80),
          reviewOfA: review(true, 80),
          b: diagnosis([AFFIX], 90),
          reviewOfB: review(true, 72),
        }),
      ),
    );
    // a: 80, b: 81 → b
    assert.equal(result.seat, 'b');
    assert.deepEqual(result.fixOps, [AFFIX]);
    assert.equal(result.confidence, 81);
  });

  it('on an equal mean takes the lower risk', () => {
    const result = agreed(
      decideConsensus(
        input({
          a: diagnosis([CONSTRAINT], 90),
          reviewOfA: review(true, 80),
          b: diagnosis([BRAND_ALIAS, MODEL_ALIAS], 80),
          reviewOfB: review(true, 90),
        }),
      ),
    );
    assert.equal(result.seat, 'b');
    assert.equal(result.risk, 'low');
    assert.equal(result.confidence, 85);
  });

  it('on an equal mean and risk takes the fewer ops', () => {
    const result = agreed(
      decideConsensus(
        input({
          a: diagnosis([BRAND_ALIAS, MODEL_ALIAS, UPC_ALIAS], 85),
          reviewOfA: review(true, 85),
          b: diagnosis([AFFIX], 85),
          reviewOfB: review(true, 85),
        }),
      ),
    );
    assert.equal(result.seat, 'b');
    assert.deepEqual(result.fixOps, [AFFIX]);
  });

  it('counts system-wide ops in the op count', () => {
    const result = agreed(
      decideConsensus(
        input({
          observedKeys: new Set(['model number legacy']),
          a: diagnosis([BRAND_ALIAS], 85, [MODEL_ALIAS]),
          reviewOfA: review(true, 85),
          b: diagnosis([UPC_ALIAS], 85),
          reviewOfB: review(true, 85),
        }),
      ),
    );
    assert.equal(result.seat, 'b');
  });

  it('ranks by the fix that would be applied: a system-wide op that would be dropped does not count', () => {
    // The model alias is carried by no stored job and proposed by a alone: it would be dropped,
    // so both fixes are one low-risk op and the tie goes to seat a.
    const result = agreed(
      decideConsensus(
        input({
          a: diagnosis([BRAND_ALIAS], 85, [MODEL_ALIAS]),
          reviewOfA: review(true, 85),
          b: diagnosis([UPC_ALIAS], 85),
          reviewOfB: review(true, 85),
        }),
      ),
    );
    assert.equal(result.seat, 'a');
    assert.deepEqual(result.systemWideOps, []);
    assert.equal(result.dropped.length, 1);
  });

  it('with SYSTEM_WIDE_FIX_ENABLED false ranks the lower-risk applied fix first', () => {
    const result = agreed(
      decideConsensus(
        input({
          systemWideEnabled: false,
          a: diagnosis([BRAND_ALIAS], 85, [REMOVE_ALIAS]),
          reviewOfA: review(true, 85),
          b: diagnosis([UPC_ALIAS, MODEL_ALIAS], 85),
          reviewOfB: review(true, 85),
        }),
      ),
    );
    assert.equal(result.seat, 'a');
    assert.equal(result.risk, 'low');
  });

  it('on a complete tie takes seat a, whichever order the ops come in', () => {
    const result = agreed(
      decideConsensus(
        input({
          a: diagnosis([MODEL_ALIAS], 80),
          reviewOfA: review(true, 90),
          b: diagnosis([BRAND_ALIAS], 90),
          reviewOfB: review(true, 80),
        }),
      ),
    );
    assert.equal(result.seat, 'a');
    assert.deepEqual(result.fixOps, [MODEL_ALIAS]);
    assert.equal(result.confidence, 85);
    assert.deepEqual(result.confidences, { a: 80, b: 90 });
  });
});

describe('decideConsensus: system-wide ops', () => {
  it('drops every system-wide op when systemWideEnabled is false, and says why', () => {
    const result = agreed(
      decideConsensus(
        input({
          systemWideEnabled: false,
          observedKeys: new Set(['model number legacy']),
          a: diagnosis([BRAND_ALIAS], 90, [MODEL_ALIAS, REMOVE_ALIAS]),
          b: diagnosis([], 10),
          reviewOfB: review(false, 10),
        }),
      ),
    );
    assert.deepEqual(result.fixOps, [BRAND_ALIAS]);
    assert.deepEqual(result.systemWideOps, []);
    assert.deepEqual(result.dropped, [
      { op: MODEL_ALIAS, reason: 'SYSTEM_WIDE_FIX_ENABLED is false' },
      { op: REMOVE_ALIAS, reason: 'SYSTEM_WIDE_FIX_ENABLED is false' },
    ]);
    // The risk is that of what is kept: the dropped removal does not count.
    assert.equal(result.risk, 'low');
  });

  it('keeps an alias variant a stored job carried, proposed by one diagnostician only', () => {
    const result = agreed(
      decideConsensus(
        input({
          observedKeys: new Set(['model number legacy']),
          a: diagnosis([BRAND_ALIAS], 90, [MODEL_ALIAS]),
          b: diagnosis([], 10),
          reviewOfB: review(false, 10),
        }),
      ),
    );
    assert.deepEqual(result.systemWideOps, [MODEL_ALIAS]);
    assert.deepEqual(result.dropped, []);
  });

  it('drops an alias variant no stored job carried that only the winner proposed', () => {
    const variant: FixOp = {
      op: 'add_alias',
      field: 'brand',
      key: 'Brand-Legacy-Name',
      families: ['record'],
    };
    const result = agreed(
      decideConsensus(
        input({
          observedKeys: new Set(['brand legacy']),
          a: diagnosis([BRAND_ALIAS], 90, [variant]),
          b: diagnosis([MODEL_ALIAS], 80),
          reviewOfB: review(true, 80),
        }),
      ),
    );
    assert.equal(result.seat, 'a');
    assert.deepEqual(result.systemWideOps, []);
    assert.deepEqual(result.dropped, [
      { op: variant, reason: 'an alias no stored job carries, proposed by one diagnostician only' },
    ]);
  });

  it('keeps an unseen alias variant when both proposed it independently (spelling and families aside)', () => {
    const variant: FixOp = {
      op: 'add_alias',
      field: 'brand',
      key: 'Brand-Legacy-Name',
      families: ['record'],
    };
    const sameVariant: FixOp = { op: 'add_alias', field: 'brand', key: 'brand legacy name' };
    const result = agreed(
      decideConsensus(
        input({
          a: diagnosis([BRAND_ALIAS], 90, [variant]),
          reviewOfA: review(true, 90),
          b: diagnosis([BRAND_ALIAS], 80, [sameVariant]),
          reviewOfB: review(true, 80),
        }),
      ),
    );
    assert.equal(result.seat, 'a');
    assert.deepEqual(result.systemWideOps, [variant]);
    assert.deepEqual(result.dropped, []);
  });

  it('keeps an unseen variant the other proposed as its primary fix', () => {
    const result = agreed(
      decideConsensus(
        input({
          a: diagnosis([BRAND_ALIAS], 95, [MODEL_ALIAS]),
          reviewOfA: review(true, 95),
          b: diagnosis([MODEL_ALIAS], 75),
          reviewOfB: review(true, 75),
        }),
      ),
    );
    assert.equal(result.seat, 'a');
    assert.deepEqual(result.systemWideOps, [MODEL_ALIAS]);
  });

  it('does not treat the same key aliased to another field as the same variant', () => {
    const toModel: FixOp = { op: 'add_alias', field: 'model_number', key: 'Brand Legacy Name' };
    const toBrand: FixOp = { op: 'add_alias', field: 'brand', key: 'Brand Legacy Name' };
    const result = agreed(
      decideConsensus(
        input({
          a: diagnosis([BRAND_ALIAS], 95, [toBrand]),
          b: diagnosis([MODEL_ALIAS], 75, [toModel]),
        }),
      ),
    );
    assert.equal(result.seat, 'a');
    assert.deepEqual(result.systemWideOps, []);
    assert.equal(result.dropped.length, 1);
  });

  it('keeps a non-alias system-wide op without a second proposal', () => {
    const mapping: FixOp = { op: 'add_value_mapping', field: 'finish', from: 'PN', to: 'Polished Nickel' };
    const result = agreed(
      decideConsensus(
        input({
          a: diagnosis([BRAND_ALIAS], 90, [mapping]),
          b: diagnosis([], 10),
          reviewOfB: review(false, 0),
        }),
      ),
    );
    assert.deepEqual(result.systemWideOps, [mapping]);
  });
});

describe('decideConsensus: risk', () => {
  it('reports a high-risk primary op as high risk', () => {
    const result = agreed(
      decideConsensus(
        input({
          a: diagnosis([BRAND_ALIAS, REMOVE_ALIAS], 90),
          b: diagnosis([], 10),
          reviewOfB: review(false, 0),
        }),
      ),
    );
    assert.equal(result.risk, 'high');
  });

  it('reports a kept medium-risk system-wide op in the risk', () => {
    const result = agreed(
      decideConsensus(
        input({
          a: diagnosis([BRAND_ALIAS], 90, [CONSTRAINT]),
          b: diagnosis([], 10),
          reviewOfB: review(false, 0),
        }),
      ),
    );
    assert.deepEqual(result.systemWideOps, [CONSTRAINT]);
    assert.equal(result.risk, 'medium');
  });

  it('reports a kept high-risk system-wide op as high risk', () => {
    const result = agreed(
      decideConsensus(
        input({
          a: diagnosis([AFFIX], 90, [REMOVE_ALIAS]),
          b: diagnosis([], 10),
          reviewOfB: review(false, 0),
        }),
      ),
    );
    assert.equal(result.risk, 'high');
  });
});

describe('sameProposal: when the cross-review is not asked for', () => {
  it('is true for the same ops however the alias key is spelt and the families ordered', () => {
    const spelt: FixOp = { op: 'add_alias', field: 'brand', key: 'brand legacy', families: ['record'] };
    assert.equal(sameProposal(diagnosis([BRAND_ALIAS], 90), diagnosis([spelt], 75)), true);
    const twoFamilies = (families: string[]): FixOp => ({ ...BRAND_ALIAS, families });
    assert.equal(
      sameProposal(
        diagnosis([twoFamilies(['record', 'manual'])], 90),
        diagnosis([twoFamilies(['manual', 'record'])], 90),
      ),
      true,
    );
    assert.equal(sameProposal(diagnosis([], 80), diagnosis([], 40)), true);
  });

  it('is false when the field, the families, a system-wide op or the split between them differ', () => {
    const toModel: FixOp = { ...BRAND_ALIAS, field: 'model_number' };
    const everyFamily: FixOp = { op: 'add_alias', field: 'brand', key: 'Brand_Legacy' };
    assert.equal(sameProposal(diagnosis([BRAND_ALIAS], 90), diagnosis([toModel], 90)), false);
    assert.equal(sameProposal(diagnosis([BRAND_ALIAS], 90), diagnosis([everyFamily], 90)), false);
    assert.equal(
      sameProposal(diagnosis([BRAND_ALIAS], 90), diagnosis([BRAND_ALIAS], 90, [MODEL_ALIAS])),
      false,
    );
    assert.equal(
      sameProposal(diagnosis([BRAND_ALIAS], 90, [MODEL_ALIAS]), diagnosis([MODEL_ALIAS], 90, [BRAND_ALIAS])),
      false,
    );
    assert.equal(sameProposal(diagnosis([AFFIX], 90), diagnosis([], 90)), false);
  });

  it('each diagnosis as the other’s review reaches consensus only if both confidences reach the minimum', () => {
    const a = diagnosis([AFFIX], 90);
    const sure = diagnosis([AFFIX], 85);
    const unsure = diagnosis([AFFIX], 60);
    const withReviews = (b: Diagnosis) =>
      decideConsensus(input({ a, b, reviewOfA: endorsementBy(b), reviewOfB: endorsementBy(a) }));
    assert.equal(agreed(withReviews(sure)).confidence, 88);
    // b's own fix is below the minimum, and so is its endorsement of a's: no consensus.
    assert.equal(withReviews(unsure).status, 'no_consensus');
  });
});
