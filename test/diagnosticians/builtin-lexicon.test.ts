import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FieldVocabulary, keyTerms } from '../../src/diagnosticians/builtin/key-lexicon.ts';
import { createLexicalDiagnostician } from '../../src/diagnosticians/builtin/lexical.ts';
import { findSubject, keyWithTagAsNamespace } from '../../src/diagnosticians/builtin/pack-structure.ts';
import { fields, legacyRenamePack, related } from './packs.ts';

/**
 * The word rules of the lexical evidence (key-lexicon.ts), each on a key of the kind it is for.
 * Scores are compared with the lexical thresholds: 0.62 to propose a field, 0.03 lead to single it out.
 */

const vocabulary = new FieldVocabulary(fields);
const similarity = (key: string, field: string): number => vocabulary.similarity(keyTerms(key), field);
const best = (key: string): { field: string; score: number; next: number } => {
  const ranked = fields
    .map((field) => ({ field: field.id, score: similarity(key, field.id) }))
    .sort((a, b) => b.score - a.score);
  return { field: ranked[0]!.field, score: ranked[0]!.score, next: ranked[1]!.score };
};

describe('lexical word rules', () => {
  it('reads a section name of a dotted path as a namespace, not as a qualifier of the leaf', () => {
    for (const [key, field] of [
      ['physical.power', 'wattage'],
      ['general_info.make', 'brand'],
      ['product_info.variants.msrp_ea', 'msrp'],
    ] as const) {
      const top = best(key);
      assert.equal(top.field, field, key);
      assert.ok(top.score >= 0.62, `${key}: ${top.score}`);
    }
    // The same unknown word in the leaf still qualifies what is measured.
    assert.ok(similarity('Gross Weight', 'weight') < 0.62);
  });

  it('treats `level` as naming the magnitude of what precedes it (Noise → Noise Level)', () => {
    const top = best('NOISE');
    assert.equal(top.field, 'noise_level');
    assert.ok(top.score >= 0.62, `${top.score}`);
  });

  it('gives related facet words partial credit (Style / Type, Size / Length)', () => {
    for (const [key, field] of [
      ['Mounting Style', 'mounting_type'],
      ['Downrod Size(s)', 'downrod_length'],
    ] as const) {
      const top = best(key);
      assert.equal(top.field, field, key);
      assert.ok(top.score >= 0.62 && top.score - top.next >= 0.03, `${key}: ${top.score} vs ${top.next}`);
    }
    // Partial credit only: a related word never equals the word itself.
    assert.ok(similarity('Mounting Style', 'mounting_type') < similarity('Mounting Type', 'mounting_type'));
  });

  it('leaves out the measurement system in parentheses (Width (imperial))', () => {
    assert.equal(similarity('Width (imperial)', 'width'), 1);
    assert.ok(similarity('Package width', 'width') < 0.62);
  });

  it('does not read a different known word as a misspelling (Blade Material is not Shade Material)', () => {
    assert.ok(similarity('Blade Material', 'shade_material') < 0.5);
    assert.ok(similarity('Panel type', 'fuel_type') < 0.5);
    // A run-together name, made of no known word, is still rescued by its spelling.
    assert.ok(similarity('INPUTVOLTAGE', 'voltage') >= 0.8);
  });

  it('does not read an unknown word as a misspelling of a known one (a camera’s Flash type is not a toilet’s Flush Type)', () => {
    // `flash` is a word no field name uses, one letter from `flush`: a different word, not a typo.
    assert.ok(similarity('Flash type', 'flush_type') < 0.62);
    assert.notEqual(best('Flash type').field, 'flush_type');
  });

  it('reads manufacturer on its own as the maker (brand), and only with a part number as the model number', () => {
    // The maker, however abbreviated, and whatever the record noun before it.
    for (const key of ['Part_Manuf', 'Mfr', 'Manufacturer Name', 'Item Mfg']) {
      const top = best(key);
      assert.equal(top.field, 'brand', key);
      assert.ok(top.score >= 0.62 && top.score - top.next >= 0.03, `${key}: ${top.score} vs ${top.next}`);
    }
    assert.ok(similarity('Part_Manuf', 'model_number') < 0.5);
    // The manufacturer's part number is the model number (an MPN), however "number" is written.
    for (const key of ['Mfg_Part_Num', 'Mfr Part No', 'Manufacturer Part #', 'Part Number']) {
      const top = best(key);
      assert.equal(top.field, 'model_number', key);
      assert.ok(top.score >= 0.62 && top.score - top.next >= 0.03, `${key}: ${top.score} vs ${top.next}`);
    }
  });

  it("reads a leading record noun (Part_, Item, Product) as the table's namespace, not as a qualifier", () => {
    for (const [key, field] of [
      ['Part_Desc', 'description'],
      ['Item Descr', 'description'],
      ['Part Weight', 'weight'],
    ] as const) {
      const top = best(key);
      assert.equal(top.field, field, key);
      assert.ok(top.score >= 0.62 && top.score - top.next >= 0.03, `${key}: ${top.score} vs ${top.next}`);
    }
    // Elsewhere in a name a full unknown word still qualifies what is measured.
    assert.ok(similarity('Carton Weight', 'weight') < 0.62);
  });

  it('reads a tag its sibling keys share (UPC_Legacy beside Brand_Legacy, Weight_Legacy…) as the source, not a word of the attribute', async () => {
    // A cold start: no stored result shows which family the `_Legacy` keys were renamed from, so
    // the family affix cannot be proposed; each key is still read by its own words.
    const pack = legacyRenamePack();
    const coldStart = { ...pack, families: pack.families.map((family) => ({ ...family, keys: [] })) };
    const upc = findSubject(coldStart, 'record', 'UPC_Legacy')!;
    assert.equal(keyWithTagAsNamespace(coldStart, upc), 'Legacy.UPC');
    const diagnosis = await createLexicalDiagnostician().diagnose({
      ...coldStart,
      issue: { ...coldStart.issue, key: 'UPC_Legacy', normalisedKey: 'upc legacy', value: '050375006633' },
      relatedKeys: [
        ...coldStart.relatedKeys.filter((related) => related.key !== 'UPC_Legacy'),
        related('Brand_Legacy', ['INSINKERATOR']),
      ],
    });
    assert.deepEqual(diagnosis.fixOps, [
      { op: 'add_alias', field: 'upc', key: 'UPC_Legacy', families: ['record'] },
    ]);
    // Without siblings the tag is an ordinary word of the key.
    assert.equal(keyWithTagAsNamespace({ ...coldStart, relatedKeys: [] }, upc), 'UPC_Legacy');
  });
});
