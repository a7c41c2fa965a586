import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createValueProfileDiagnostician } from '../../src/diagnosticians/builtin/value-profile.ts';
import { expectationOf, valueSupport } from '../../src/diagnosticians/builtin/value-shape.ts';
import { fields, packFor, pairDecision } from './packs.ts';

const field = (id: string) => {
  const found = fields.find((candidate) => candidate.id === id);
  assert.ok(found, id);
  return found;
};

describe('value shapes', () => {
  it('reads material words as support for a material field, and only for one', () => {
    assert.ok(valueSupport('Steel', expectationOf(field('material'))) >= 0.8);
    assert.ok(valueSupport('Aluminium, Plastic', expectationOf(field('sink_material'))) >= 0.8);
    assert.ok(valueSupport('Steel', expectationOf(field('mounting_type'))) < 0.8);
    assert.ok(valueSupport('Downrod', expectationOf(field('material'))) < 0.8);
  });

  it('lets the pair agree on a material column (Primary Material: Steel)', async () => {
    const { decision } = await pairDecision(packFor('web_retailer_specs', 'Primary Material', ['Steel']), [
      'primary material',
    ]);
    assert.equal(decision.status, 'agreed');
    assert.ok(decision.status === 'agreed');
    assert.deepEqual(decision.fixOps, [
      { op: 'add_alias', field: 'material', key: 'Primary Material', families: ['web_retailer_specs'] },
    ]);
  });

  it('reads one-line item names as titles, not descriptions; prose supports a description', async () => {
    // An item master's "Part_Desc": one line naming the part, as a title does.
    const names = [
      "25759 Mason Line Brd Orange - 1000'",
      'Rubber Grip Utility Knife with 3 Blades, Retractable, Orange Handle',
      'Round Head Wood Screw Zinc Plated #8 x 1-1/2 in Box of 100',
    ];
    for (const name of names) {
      assert.ok(valueSupport(name, expectationOf(field('description'))) < 0.55, name);
      assert.ok(valueSupport(name, expectationOf(field('title'))) >= 0.7, name);
    }
    const prose =
      'Food waste is something you encounter with every meal. The Evergrind disposer grinds it away quietly.';
    assert.ok(valueSupport(prose, expectationOf(field('description'))) >= 0.8);
    const valueProfile = createValueProfileDiagnostician();
    const pack = packFor('record', 'Part_Desc', names);
    const review = await valueProfile.review(pack, {
      rootCause: 'Part_Desc is the description',
      fixOps: [{ op: 'add_alias', field: 'description', key: 'Part_Desc', families: ['record'] }],
      systemWideOps: [],
      confidence: 93,
      rationale: 'desc is short for description',
    });
    assert.equal(review.agrees, false);
  });
});
