import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compileRuleSet } from '../../src/domain/rule-set/compile-rule-set.ts';
import { buildDefaultRuleSet } from '../../src/domain/rule-set/default-rule-set.ts';
import type { FixOp } from '../../src/domain/rule-set/fix-ops.ts';
import { type RuleSet, rulesSchema } from '../../src/domain/rule-set/rule-set-schema.ts';
import {
  compareResults,
  contradicted,
  fieldOfOutputPath,
  regressionGate,
  stageFix,
  type TrialJob,
  type TrialResult,
  targetFields,
  trialFix,
  verify,
} from '../../src/healing/fix-trial.ts';
import { loadExample, REPOSITORY_ROOT } from '../domain/support.ts';

/**
 * Phase 3 and the proof of Phase 4 (DESIGN.md §2 "Run tests", §4): stage a fix, validate it, and
 * re-verify the original job, a golden sample of stored jobs (here: the peer jobs and legacy-rename
 * records of examples/) and the rule set's own example cases with both versions side by side.
 */

const ACTIVE_RULES: RuleSet = rulesSchema.parse(buildDefaultRuleSet());
const ACTIVE = { rules: ACTIVE_RULES, compiled: compileRuleSet(ACTIVE_RULES, 1) };

const LEGACY_1 = 'examples/legacy-rename/recent-job-1-IE101WC-legacy.json';
const LEGACY_2 = 'examples/legacy-rename/recent-job-2-IE101WC-legacy.json';
const LEGACY_3 = 'examples/legacy-rename/recent-job-3-IE101WC-legacy.json';
const PEER_IE101WC = 'examples/peer-jobs/recent-job-1-IE101WC.json';

const AFFIX: FixOp = { op: 'add_family_affix', family: 'manual', suffix: '_Legacy' };
/** A wrong alias: the spec table's "Diameter" read as the model number. */
const DIAMETER_AS_MODEL: FixOp = {
  op: 'add_alias',
  field: 'model_number',
  key: 'Diameter',
  families: ['spec_table'],
};

const job = (file: string): TrialJob => ({
  id: file,
  payload: loadExample(file),
  receivedAt: '2026-01-28T22:25:35.470Z',
});

/** The golden sample: every peer job and legacy-rename record in examples/. */
const GOLDEN: readonly TrialJob[] = ['peer-jobs', 'legacy-rename'].flatMap((group) =>
  readdirSync(join(REPOSITORY_ROOT, 'examples', group))
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => job(`examples/${group}/${file}`)),
);

function staged(result: TrialResult): Extract<TrialResult, { status: 'staged' }> {
  assert.equal(result.status, 'staged', result.status === 'rejected' ? result.problems.join('\n') : '');
  if (result.status !== 'staged') throw new Error('unreachable');
  return result;
}

function problems(result: ReturnType<typeof stageFix>): readonly string[] {
  assert.equal(result.status, 'rejected');
  if (result.status !== 'rejected') throw new Error('unreachable');
  return result.problems;
}

/**
 * What the heal run accepts as proven (src/healing/heal-run.ts): signature gone, no regression
 * anywhere, new sources not contradicting the fields' other sources.
 */
const proven = (trial: Extract<TrialResult, { status: 'staged' }>) =>
  trial.outcome.signatureGone &&
  trial.outcome.regressions.length === 0 &&
  trial.gate.regressions.length === 0 &&
  !contradicted(trial.gate);

describe('stageFix rejects', () => {
  it('a fix without operations', () => {
    assert.deepEqual(problems(stageFix(ACTIVE_RULES, [], 2)), ['the fix has no operations']);
  });

  it('a code change, even beside valid ops', () => {
    assert.deepEqual(
      problems(
        stageFix(ACTIVE_RULES, [AFFIX, { op: 'code_change', description: 'patch verify-record.ts' }], 2),
      ),
      ['a code change is never applied automatically'],
    );
  });

  it('an op on a field the rule set does not have', () => {
    assert.deepEqual(
      problems(stageFix(ACTIVE_RULES, [{ op: 'add_alias', field: 'not_a_field', key: 'Shade' }], 2)),
      ['op 1 (add_alias): unknown field not_a_field'],
    );
    assert.deepEqual(
      problems(stageFix(ACTIVE_RULES, [AFFIX, { op: 'set_constraint', field: 'lumen_count', max: 9 }], 2)),
      ['op 2 (set_constraint): unknown field lumen_count'],
    );
  });

  it('an op that does not parse, whatever its type claims', () => {
    const bogus = { op: 'remove_field', field: 'Brand; DROP TABLE jobs' } as unknown as FixOp;
    const found = problems(stageFix(ACTIVE_RULES, [bogus], 2));
    assert.equal(found.length, 1);
    assert.match(found[0]!, /^op 1: field: /);
  });

  it('a rule set made invalid: one key aliased to two fields', () => {
    assert.deepEqual(
      problems(stageFix(ACTIVE_RULES, [{ op: 'add_alias', field: 'brand', key: 'Model' }], 2)),
      ['key "model" is aliased to both brand and model_number'],
    );
    // A field's label is an alias in every family: limiting the new alias to one family does not help.
    assert.deepEqual(
      problems(
        stageFix(ACTIVE_RULES, [{ op: 'add_alias', field: 'brand', key: 'Width', families: ['manual'] }], 2),
      ),
      ['key "width" is aliased to both width and brand'],
    );
  });

  it('a rule set made invalid: a value mapping cycle', () => {
    const found = problems(
      stageFix(
        ACTIVE_RULES,
        [{ op: 'add_value_mapping', field: 'finish', from: 'Oil Rubbed Bronze', to: 'ORB' }],
        2,
      ),
    );
    assert.ok(
      found.some((problem) => /value mappings of finish form a cycle/.test(problem)),
      found.join('\n'),
    );
  });

  it('and leaves the active rule set untouched', () => {
    const before = JSON.stringify(ACTIVE_RULES);
    stageFix(ACTIVE_RULES, [{ op: 'add_alias', field: 'brand', key: 'Model' }], 2);
    const ok = stageFix(ACTIVE_RULES, [AFFIX], 2);
    assert.equal(ok.status, 'staged');
    assert.equal(JSON.stringify(ACTIVE_RULES), before);
  });
});

describe('stageFix stages', () => {
  it('the _Legacy affix as a new version, with its effect described', () => {
    const result = stageFix(ACTIVE_RULES, [AFFIX], 7);
    assert.equal(result.status, 'staged');
    if (result.status !== 'staged') return;
    assert.deepEqual(result.effects, ['added manual suffix "_Legacy"']);
    assert.deepEqual(
      result.rules.sourceFamilies.find((family) => family.id === 'manual'),
      {
        ...ACTIVE_RULES.sourceFamilies.find((family) => family.id === 'manual'),
        suffixes: ['_Manual', '_Legacy'],
      },
    );
    assert.equal(result.compiled.version, 7);
  });
});

describe('trialFix: the _Legacy rename', () => {
  const trial = staged(
    trialFix({
      active: ACTIVE,
      ops: [AFFIX],
      stagedVersion: 2,
      signature: 'unmapped_key:record:brand_legacy',
      original: job(LEGACY_3),
      golden: GOLDEN,
    }),
  );

  it('removes the signature without a regression on the original job', () => {
    assert.equal(trial.outcome.signatureGone, true);
    assert.deepEqual(trial.outcome.regressions, []);
    assert.deepEqual(trial.outcome.ops, [AFFIX]);
    assert.ok(proven(trial));
  });

  it('lists what changed on the original job, each with the key it came from', () => {
    const changes = trial.outcome.changes.map(({ path, before, after, sources }) => ({
      path,
      before,
      after,
      sources,
    }));
    assert.deepEqual(changes, [
      {
        path: 'Primary_Attributes.Depth_Verified',
        before: 'Not Found',
        after: '7.25',
        sources: ['Depth_Legacy'],
      },
      {
        path: 'Primary_Attributes.Height_Verified',
        before: 'Not Found',
        after: '11.5',
        sources: ['Height_Legacy'],
      },
      {
        path: 'Primary_Attributes.MSRP_Verified',
        before: 'Not Found',
        after: '141.98',
        sources: ['MSRP_Legacy'],
      },
      {
        path: 'Primary_Attributes.Product_Title_Verified',
        before: 'Evergrind E101 Garbage Disposal with Cord, 1/3 HP',
        after: '7" Evergrind Continuous Feed Garbage',
        sources: ['Product_Title_Legacy'],
      },
      {
        path: 'Primary_Attributes.UPC_GTIN_Verified',
        before: 'Not Found',
        after: '050375006633',
        sources: ['UPC_Legacy'],
      },
      {
        path: 'Primary_Attributes.Weight_Verified',
        before: 'Not Found',
        after: '11',
        sources: ['Weight_Legacy'],
      },
      {
        path: 'Primary_Attributes.Width_Verified',
        before: 'Not Found',
        after: '7.19',
        sources: ['Width_Legacy'],
      },
    ]);
    for (const change of trial.outcome.changes) assert.equal(change.jobId, LEGACY_3);
  });

  it('gates the golden sample without the original job and finds no regression', () => {
    assert.equal(trial.gate.jobsChecked, GOLDEN.length - 1);
    assert.deepEqual(trial.gate.regressions, []);
    assert.equal(trial.gate.examplesChecked, 0);
    // The two other legacy records improve; the peer jobs carry no _Legacy key and do not change.
    assert.equal(trial.gate.jobsImproved, 2);
    const changedJobs = new Set(trial.gate.changes.map((change) => change.jobId));
    assert.deepEqual([...changedJobs].sort(), [LEGACY_1, LEGACY_2]);
    const msrp = trial.gate.changes.find(
      (change) => change.jobId === LEGACY_1 && change.path === 'Primary_Attributes.MSRP_Verified',
    );
    assert.deepEqual(msrp, {
      jobId: LEGACY_1,
      path: 'Primary_Attributes.MSRP_Verified',
      before: 'Not Found',
      after: '141.98',
      sources: ['MSRP_Legacy'],
    });
  });
});

describe('trialFix: a new source checked against the field’s other sources', () => {
  // The demo's sequence: Weight_Legacy was already healed into the weight field when a diagnosis
  // read Height_Legacy as the weight too (the two keys differ by one letter).
  const withWeightAlias = staged(
    trialFix({
      active: ACTIVE,
      ops: [{ op: 'add_alias', field: 'weight', key: 'Weight_Legacy', families: ['record'] }],
      stagedVersion: 2,
      signature: 'unmapped_key:record:weight_legacy',
      original: job(LEGACY_1),
      golden: GOLDEN,
    }),
  );
  const active = { rules: withWeightAlias.rules, compiled: withWeightAlias.compiled };
  const legacyJobs = [LEGACY_1, LEGACY_2, LEGACY_3].map(job);

  /** A record-key alias tried on the three legacy records, with the weight alias active. */
  const tryAlias = (field: string, key: string) =>
    staged(
      trialFix({
        active,
        ops: [{ op: 'add_alias', field, key, families: ['record'] }],
        stagedVersion: 3,
        signature: `unmapped_key:record:${key.toLowerCase()}`,
        original: legacyJobs[0]!,
        golden: legacyJobs,
      }),
    );

  it('rejects a key mapped to a field whose real source it contradicts on every job', () => {
    const trial = tryAlias('weight', 'Height_Legacy');
    // The signature is gone and nothing outside the weight field moved: only the contradiction shows it.
    assert.equal(trial.outcome.signatureGone, true);
    assert.deepEqual(trial.gate.regressions, []);
    assert.equal(trial.gate.corroborations, 0);
    assert.deepEqual(
      trial.gate.contradictions.map(({ jobId, path, before, newSources }) => ({
        jobId,
        path,
        before,
        newSources,
      })),
      [LEGACY_1, LEGACY_2, LEGACY_3].map((jobId) => ({
        jobId,
        path: 'Primary_Attributes.Weight_Verified',
        before: '11',
        newSources: ['Height_Legacy'],
      })),
    );
    assert.equal(proven(trial), false);
  });

  it('accepts a key that agrees with the field’s other source', () => {
    const trial = tryAlias('brand', 'Brand_Legacy');
    // Brand_Web_Retailer already says INSINKERATOR on all three records.
    assert.deepEqual(trial.gate.contradictions, []);
    assert.equal(trial.gate.corroborations, 3);
    assert.equal(proven(trial), true);
  });
});

describe('trialFix: a fix that regresses a golden job', () => {
  const trial = staged(
    trialFix({
      active: ACTIVE,
      ops: [DIAMETER_AS_MODEL],
      stagedVersion: 2,
      signature: 'unmapped_key:spec_table:diameter',
      original: job(LEGACY_1),
      golden: GOLDEN,
    }),
  );

  it('stages (it is valid) and even removes the signature', () => {
    assert.equal(trial.outcome.signatureGone, true);
  });

  it('loses verified values of fields the fix does not target, on the original job', () => {
    // The spec table now names a model ("6-5/16 in") that is not the record's, so it is set aside.
    const paths = trial.outcome.regressions.map((regression) => regression.path);
    assert.ok(paths.includes('Primary_Attributes.Depth_Verified'), paths.join(', '));
    const depth = trial.outcome.regressions.find(
      (regression) => regression.path === 'Primary_Attributes.Depth_Verified',
    );
    assert.deepEqual(depth, {
      jobId: LEGACY_1,
      path: 'Primary_Attributes.Depth_Verified',
      before: '7.4',
      after: 'Not Found',
    });
  });

  it('names every golden job and path it regresses, and is not proven', () => {
    const regression = trial.gate.regressions.find(
      (entry) => entry.jobId === PEER_IE101WC && entry.path === 'Top_Filter_Attributes.amperage',
    );
    assert.deepEqual(regression, {
      jobId: PEER_IE101WC,
      path: 'Top_Filter_Attributes.amperage',
      before: 5.7,
      after: null,
    });
    const jobs = new Set(trial.gate.regressions.map((entry) => entry.jobId));
    assert.ok(jobs.has(LEGACY_2));
    assert.ok(!jobs.has(LEGACY_1), 'the original job is not part of the gate');
    assert.ok(!jobs.has(LEGACY_3), 'a record without a spec table is unaffected');
    for (const entry of trial.gate.regressions) {
      const field = fieldOfOutputPath(entry.path);
      assert.notEqual(field, 'model_number', `${entry.path} is targeted, not a regression`);
    }
    assert.equal(proven(trial), false);
  });

  it('counts a regressed job as not improved', () => {
    assert.equal(trial.gate.jobsImproved, 0);
  });
});

describe('trialFix: changes to targeted fields are listed, not regressions', () => {
  it('removing an alias a golden job relies on changes only that field, listed for review', () => {
    const trial = staged(
      trialFix({
        active: ACTIVE,
        ops: [{ op: 'remove_alias', field: 'amperage', key: 'amp' }],
        stagedVersion: 2,
        signature: 'unmapped_key:spec_table:amp',
        original: job(LEGACY_3),
        golden: GOLDEN,
      }),
    );
    assert.deepEqual(trial.gate.regressions, []);
    assert.deepEqual(
      trial.gate.changes.map(({ jobId, path, before, after }) => ({ jobId, path, before, after })),
      [PEER_IE101WC, 'examples/peer-jobs/recent-job-2-IE101WC.json', LEGACY_1, LEGACY_2].map((jobId) => ({
        jobId,
        path: 'Top_Filter_Attributes.amperage',
        before: 5.7,
        after: null,
      })),
    );
    // The same change is a regression when compared with nothing targeted.
    const before = verify(job(PEER_IE101WC), ACTIVE.compiled);
    const after = verify(job(PEER_IE101WC), trial.compiled);
    const untargeted = compareResults(PEER_IE101WC, before, after, new Set());
    assert.deepEqual(untargeted.regressions, [
      { jobId: PEER_IE101WC, path: 'Top_Filter_Attributes.amperage', before: 5.7, after: null },
    ]);
    assert.deepEqual(compareResults(PEER_IE101WC, before, after, 'all').regressions, []);
  });
});

describe('regressionGate: the rule set’s own example cases', () => {
  /** The active rule set with an example case expecting job 1's spec-table depth. */
  const withExample = (
    expect: Record<string, string>,
  ): { rules: RuleSet; compiled: typeof ACTIVE.compiled } => {
    const rules = rulesSchema.parse({
      ...ACTIVE_RULES,
      examples: [{ name: 'IE101WC spec table', payload: loadExample(LEGACY_1), expect }],
    });
    return { rules, compiled: compileRuleSet(rules, 1) };
  };

  it('reports an expectation the staged version breaks as a regression of the example', () => {
    const active = withExample({ 'Primary_Attributes.Depth_Verified': '7.4' });
    const trial = staged(
      trialFix({
        active,
        ops: [DIAMETER_AS_MODEL],
        stagedVersion: 2,
        signature: 'unmapped_key:spec_table:diameter',
        original: job(LEGACY_1),
        golden: [],
      }),
    );
    assert.equal(trial.gate.examplesChecked, 1);
    assert.equal(trial.gate.jobsChecked, 0);
    assert.deepEqual(trial.gate.regressions, [
      {
        jobId: 'example:IE101WC spec table',
        path: 'Primary_Attributes.Depth_Verified',
        before: '7.4',
        after: 'Not Found',
      },
    ]);
  });

  it('guards an expectation even on a field the fix targets', () => {
    // The _Legacy depth (7 1/4) outranks the spec table's (7-2/5): intended, yet the example says 7.4.
    const active = withExample({
      'Primary_Attributes.Depth_Verified': '7.4',
      'Primary_Attributes.Brand_Verified': 'INSINKERATOR',
    });
    const trial = staged(
      trialFix({
        active,
        ops: [AFFIX],
        stagedVersion: 2,
        signature: 'unmapped_key:record:brand_legacy',
        original: job(LEGACY_3),
        golden: [],
      }),
    );
    assert.deepEqual(trial.gate.regressions, [
      {
        jobId: 'example:IE101WC spec table',
        path: 'Primary_Attributes.Depth_Verified',
        before: '7.4',
        after: '7.25',
      },
    ]);
    assert.equal(proven(trial), false);
  });

  it('ignores an expectation the active version did not meet either', () => {
    const active = withExample({ 'Primary_Attributes.MSRP_Verified': '999.99' });
    const staging = stageFix(active.rules, [AFFIX], 2);
    assert.equal(staging.status, 'staged');
    if (staging.status !== 'staged') return;
    const gate = regressionGate(
      active.compiled,
      staging.compiled,
      staging.rules,
      [],
      targetFields([AFFIX], active.rules),
    );
    assert.equal(gate.examplesChecked, 1);
    assert.deepEqual(gate.regressions, []);
  });
});

describe('targetFields', () => {
  const all = ACTIVE_RULES.fields.map((field) => field.id).sort();
  it('is the aliased field of an alias, and nothing for an ignored key', () => {
    assert.deepEqual([...targetFields([DIAMETER_AS_MODEL], ACTIVE_RULES)], ['model_number']);
    assert.deepEqual(
      [
        ...targetFields(
          [{ op: 'add_ignored_key', key: 'Diameter', families: ['spec_table'], reason: 'n/a' }],
          ACTIVE_RULES,
        ),
      ],
      [],
    );
  });

  it('is every field for a family affix, a category alias or a category mapping', () => {
    assert.deepEqual([...targetFields([AFFIX], ACTIVE_RULES)].sort(), all);
    assert.deepEqual(
      [...targetFields([{ op: 'add_alias', field: 'category', key: 'Dept Cat' }], ACTIVE_RULES)].sort(),
      all,
    );
    assert.deepEqual(
      [
        ...targetFields(
          [{ op: 'add_category_mapping', from: 'Fans - Ceiling', to: 'Ceiling Fans #' }],
          ACTIVE_RULES,
        ),
      ].sort(),
      all,
    );
  });

  it('unions the targets of several ops', () => {
    const ops: FixOp[] = [
      { op: 'add_alias', field: 'brand', key: 'MFG Brand Name' },
      { op: 'add_value_mapping', field: 'finish', from: 'PN', to: 'Polished Nickel' },
    ];
    assert.deepEqual([...targetFields(ops, ACTIVE_RULES)].sort(), ['brand', 'finish']);
  });
});
