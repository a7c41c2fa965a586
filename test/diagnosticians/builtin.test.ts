import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FieldVocabulary, keyTerms } from '../../src/diagnosticians/builtin/key-lexicon.ts';
import { createLexicalDiagnostician } from '../../src/diagnosticians/builtin/lexical.ts';
import { isPlaceholder } from '../../src/diagnosticians/builtin/pack-structure.ts';
import { createValueProfileDiagnostician } from '../../src/diagnosticians/builtin/value-profile.ts';
import { shapeOf, validGtin } from '../../src/diagnosticians/builtin/value-shape.ts';
import { normaliseKey } from '../../src/domain/verification/normalise.ts';
import { diagnosticianContract } from './contract.ts';
import { fields, legacyRenamePack, packFor, pairDecision, related } from './packs.ts';

diagnosticianContract('lexical', createLexicalDiagnostician);
diagnosticianContract('value-profile', createValueProfileDiagnostician);

describe('lexical', () => {
  const lexical = createLexicalDiagnostician();

  it('spells out abbreviations and folds trade synonyms', () => {
    assert.deepEqual(
      keyTerms('MFG Brand Name').terms.map((term) => term.word),
      ['brand', 'brand', 'name'],
    );
    assert.deepEqual(
      keyTerms('# of speeds').terms.map((term) => term.word),
      ['number', 'speeds'],
    );
    assert.ok(keyTerms('general_info.make').terms.some((term) => term.word === 'brand'));
  });

  it('maps a unihack brand column (DIB_Brand) to brand', async () => {
    const diagnosis = await lexical.diagnose(packFor('record', 'DIB_Brand', ['Philips', 'Hunter', 'Wiz']));
    assert.deepEqual(diagnosis.fixOps, [
      { op: 'add_alias', field: 'brand', key: 'DIB_Brand', families: ['record'] },
    ]);
    assert.ok(diagnosis.confidence >= 70);
  });

  it('reads an acronym spelled out (Color rendering index → cri)', () => {
    const vocabulary = new FieldVocabulary(fields);
    assert.ok(vocabulary.similarity(keyTerms('Color rendering index'), 'cri') >= 0.9);
  });

  it('does not map an oven cutout or a carton width to the product width', async () => {
    for (const key of ['Cutout Width', 'Carton Width']) {
      const diagnosis = await lexical.diagnose(packFor('web_retailer_specs', key, ['28.5']));
      assert.equal(diagnosis.fixOps.length, 0, `${key}: ${diagnosis.rationale}`);
    }
  });

  it('proposes add_family_affix for the _Legacy rename (examples/legacy-rename)', async () => {
    const diagnosis = await lexical.diagnose(legacyRenamePack());
    assert.deepEqual(diagnosis.fixOps, [{ op: 'add_family_affix', family: 'manual', suffix: '_Legacy' }]);
  });

  it('ignores a bookkeeping column by its name (a link)', async () => {
    const diagnosis = await lexical.diagnose(
      packFor('web_retailer_specs', 'product_info.variants.official_product_page_url', [
        'https://example.com/p',
      ]),
    );
    assert.equal(diagnosis.fixOps[0]?.op, 'add_ignored_key');
  });

  it('names the word that makes a column bookkeeping: the last one (Picture_URL__c is a URL)', async () => {
    const diagnosis = await lexical.diagnose(
      packFor('record', 'Picture_URL__c', ['https://example.com/a.jpg', 'https://example.com/b.jpg']),
    );
    const op = diagnosis.fixOps[0];
    assert.equal(op?.op, 'add_ignored_key');
    assert.match(op?.op === 'add_ignored_key' ? op.reason : '', /says "url"/);
  });

  it('improves by choosing the next field when a review objects', async () => {
    const pack = packFor('record', 'DIB_Brand', ['Philips', 'Hunter']);
    const first = await lexical.diagnose(pack);
    const improved = await lexical.improve(pack, first, [
      {
        agrees: false,
        confidence: 90,
        concerns: [`add_alias brand ← "DIB_Brand" [record]: objected`],
        suggestions: [],
      },
    ]);
    assert.ok(improved.fixOps.every((op) => op.op !== 'add_alias' || op.field !== 'brand'));
  });
});

describe('value-profile', () => {
  const valueProfile = createValueProfileDiagnostician();

  it('checks GTIN check digits, and UPC-A that lost its leading zero', () => {
    assert.equal(validGtin('050375006633'), true);
    assert.equal(validGtin('050375006634'), false);
    assert.equal(shapeOf('50375006633').kind, 'gtin');
    assert.equal(shapeOf('198715231533').kind, 'gtin');
  });

  it('reads units, ranges and placeholders', () => {
    assert.deepEqual(shapeOf('500 W'), { kind: 'measure', value: 500, dimension: 'power' });
    assert.deepEqual(shapeOf('100 - 240 V'), { kind: 'measure', value: 100, dimension: 'voltage' });
    assert.deepEqual(shapeOf('1650 lm'), { kind: 'measure', value: 1650, dimension: 'luminous' });
    assert.deepEqual(shapeOf('8 MP'), { kind: 'measure', value: 8, dimension: 'other' });
    assert.equal(isPlaceholder('-- No Unilog Brand --'), true);
    assert.equal(isPlaceholder('-- Unbranded --'), true);
    assert.equal(isPlaceholder('Philips'), false);
  });

  it('maps an OFL power column by its unit alone (physical.power → wattage)', async () => {
    const diagnosis = await valueProfile.diagnose(
      packFor('web_retailer_specs', 'physical.power', ['500 W', '250 W', '150 W']),
    );
    assert.deepEqual(diagnosis.fixOps, [
      { op: 'add_alias', field: 'wattage', key: 'physical.power', families: ['web_retailer_specs'] },
    ]);
  });

  it('proposes add_ignored_key for a column of placeholders on many jobs (unihack Unilog_Brand)', async () => {
    const diagnosis = await valueProfile.diagnose({
      ...packFor('record', 'Unilog_Brand', ['-- No Unilog Brand --']),
      frequency: 12,
    });
    assert.equal(diagnosis.fixOps[0]?.op, 'add_ignored_key');
  });

  it('does not ignore a column seen only as placeholders on a few jobs: the next may carry brands', async () => {
    const pack = packFor('record', 'DIB_Brand', ['-- No DIB Brand --']);
    for (const diagnostician of [valueProfile, createLexicalDiagnostician()]) {
      const diagnosis = await diagnostician.diagnose(pack);
      assert.ok(!diagnosis.fixOps.some((op) => op.op === 'add_ignored_key'), diagnostician.name);
    }
    const review = await valueProfile.review(pack, {
      rootCause: 'placeholders only',
      fixOps: [{ op: 'add_ignored_key', key: 'DIB_Brand', families: ['record'], reason: 'empty' }],
      systemWideOps: [],
      confidence: 90,
      rationale: 'r',
    });
    assert.equal(review.agrees, false);
  });

  it('finds no field for icecat values of other dimensions (Internal memory: 16 GB)', async () => {
    const diagnosis = await valueProfile.diagnose(
      packFor('spec_table', 'Internal memory', ['16 GB', '4 GB', '32 GB']),
    );
    assert.equal(diagnosis.fixOps.length, 0);
    assert.ok(diagnosis.confidence >= 70);
  });

  it('cannot single out one boolean field from yes/no values, and says so', async () => {
    const diagnosis = await valueProfile.diagnose(packFor('web_retailer_specs', 'Ada Compliant', ['Yes']));
    assert.equal(diagnosis.fixOps.length, 0);
    assert.ok(diagnosis.confidence < 70);
  });

  it('approves an outcome whose changed values fit their field, and not one that does not', async () => {
    const pack = legacyRenamePack();
    const ops = [{ op: 'add_family_affix', family: 'manual', suffix: '_Legacy' }] as const;
    const good = await valueProfile.reviewOutcome(pack, {
      ops,
      signatureGone: true,
      regressions: [],
      changes: [
        {
          jobId: 'j',
          path: 'Primary_Attributes.UPC_GTIN_Verified',
          before: 'Not Found',
          after: '050375006633',
          sources: ['UPC_Legacy'],
        },
      ],
    });
    assert.equal(good.approved, true, good.concerns.join('; '));
    const bad = await valueProfile.reviewOutcome(pack, {
      ops,
      signatureGone: true,
      regressions: [],
      changes: [
        {
          jobId: 'j',
          path: 'Primary_Attributes.UPC_GTIN_Verified',
          before: 'Not Found',
          after: 'INSINKERATOR',
          sources: ['UPC_Legacy'],
        },
      ],
    });
    assert.equal(bad.approved, false);
  });
});

/** examples/unihack-other's `Part_Manuf`: suppliers with their vendor codes, not brands. */
const PART_MANUF_VALUES = [
  'Jam Industrial Supply LLC (JAMIN)',
  'Appliance Dealers Cooperative (APPDE)',
  'Freud Inc (2435)',
];

describe('the pair through consensus', () => {
  it('agrees on the _Legacy family affix', async () => {
    const { decision } = await pairDecision(legacyRenamePack(), ['brand legacy']);
    assert.equal(decision.status, 'agreed');
    assert.ok(decision.status === 'agreed' && decision.fixOps[0]?.op === 'add_family_affix');
  });

  it('does not auto-apply a supplier column (Part_Manuf) as the brand', async () => {
    const pack = packFor('record', 'Part_Manuf', PART_MANUF_VALUES);
    const { decision } = await pairDecision(pack, []);
    assert.notEqual(decision.status, 'agreed');
  });

  it('heals a key without bundling another key it cannot vouch for (E1_Brand beside Part_Manuf)', async () => {
    // examples/unihack-other: a distributor's item master, where the brand column sits beside the
    // manufacturer column (a supplier with a vendor code, which the values do not support as a brand).
    const partManuf = related('Part_Manuf', PART_MANUF_VALUES);
    for (const [key, values, field] of [
      ['E1_Brand', ['TREX', 'TIMBERTECH', 'JAMESHARDIE', 'Philips'], 'brand'],
      ['Mfg_Part_Num', ['25759', '543340146', 'TGI2-FA', 'MID6630201US'], 'model_number'],
    ] as const) {
      const pack = packFor('record', key, values, [partManuf]);
      const { a, b, decision } = await pairDecision(pack, [normaliseKey(key), 'part manuf']);
      assert.deepEqual(a.fixOps, [{ op: 'add_alias', field, key, families: ['record'] }], key);
      // Part_Manuf has its own issue and is judged on it by both; it rides on no other key's fix.
      assert.ok(
        [...a.systemWideOps, ...b.systemWideOps].every((op) => op.op !== 'add_alias' || op.key === key),
        `${key}: ${JSON.stringify(a.systemWideOps)}`,
      );
      assert.equal(decision.status, 'agreed', `${key}: ${JSON.stringify(decision)}`);
    }
  });
});
