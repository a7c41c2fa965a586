import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { flattenRecord } from '../../src/domain/intake/flatten-record.ts';
import {
  ALREADY_PRESENT,
  applyFixOps,
  describeFixOp,
  fixOpTargets,
} from '../../src/domain/rule-set/apply-fix-ops.ts';
import { compileRuleSet } from '../../src/domain/rule-set/compile-rule-set.ts';
import { buildDefaultRuleSet } from '../../src/domain/rule-set/default-rule-set.ts';
import { describeChange, diffRuleSets } from '../../src/domain/rule-set/diff-rule-sets.ts';
import { FIX_OP_RISK, type FixOp, type Risk, riskOf } from '../../src/domain/rule-set/fix-ops.ts';
import { type RuleSet, rulesSchema } from '../../src/domain/rule-set/rule-set-schema.ts';
import { validateRuleSet } from '../../src/domain/rule-set/validate-rule-set.ts';

/** Fix operations on the rule set: apply, validate, diff (DESIGN.md §2 "Fixes are data, not code"). */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const DEFAULT = rulesSchema.parse(buildDefaultRuleSet());
/** A fresh, deep-frozen copy of the default rule set: any mutation by apply throws. */
function frozenDefault(): RuleSet {
  return deepFreeze(structuredClone(DEFAULT));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function applied(result: ReturnType<typeof applyFixOps>): { rules: RuleSet; effects: readonly string[] } {
  assert.equal(result.status, 'applied', result.status === 'rejected' ? result.problems.join('\n') : '');
  if (result.status !== 'applied') throw new Error('unreachable');
  return result;
}

function problemsOf(result: ReturnType<typeof applyFixOps>): readonly string[] {
  assert.equal(result.status, 'rejected');
  if (result.status !== 'rejected') throw new Error('unreachable');
  return result.problems;
}

/** One op of every low-risk kind, each meaningful on the default rule set. */
const LOW_RISK_OPS: readonly FixOp[] = [
  { op: 'add_alias', field: 'brand', key: 'MFG Brand Name' },
  { op: 'add_family_affix', family: 'manual', suffix: '_Legacy' },
  { op: 'add_picklist_alias', picklist: 'brand', alias: 'In-Sink-Erator', to: 'INSINKERATOR' },
  { op: 'add_category_mapping', from: 'Fans - Ceiling', to: 'Ceiling Fans #' },
  { op: 'add_value_mapping', field: 'finish', from: 'PN', to: 'Polished Nickel' },
  { op: 'add_enum_value', field: 'fuel_type', value: 'Dual Fuel' },
  { op: 'add_unit_alias', spelling: 'Inchs', unit: 'in' },
  { op: 'add_ignored_key', key: 'Internal_Notes__c', families: ['manual'], reason: 'a note for staff' },
];

/** What each of LOW_RISK_OPS adds, as the diff describes it. */
const LOW_RISK_CHANGES = [
  'added brand alias "mfg brand name"',
  'added manual suffix "_Legacy"',
  'added brand picklist alias "in sink erator"',
  'added category mapping "fans ceiling"',
  'added finish value mapping "pn"',
  'added fuel_type enum value "Dual Fuel"',
  'added unit alias "inchs"',
  'added ignored key "internal notes" in manual',
];

const CEILING_FANS_ID = DEFAULT.picklists.categories.find(
  (category) => category.name === 'Ceiling Fans #',
)!.id;

const OTHER_OPS: readonly FixOp[] = [
  {
    op: 'add_field',
    field: {
      id: 'shade_colour',
      label: 'Shade Colour',
      type: 'color',
      variantSpecific: true,
      aliases: [{ key: 'lamp shade colour' }],
    },
  },
  { op: 'set_constraint', field: 'wattage', max: 2000 },
  {
    op: 'add_field_exclusion',
    categoryId: CEILING_FANS_ID,
    field: 'height',
    families: ['ferguson'],
    reason: 'a downrod length, not the fan',
  },
  { op: 'remove_alias', field: 'upc', key: 'Barcode' },
  { op: 'remove_field', field: 'model_parent' },
];

describe('applyFixOps', () => {
  test('every low-risk op on the default rule set gives a rule set that validates', () => {
    for (const op of LOW_RISK_OPS) {
      assert.equal(FIX_OP_RISK[op.op], 'low');
      const { rules, effects } = applied(applyFixOps(DEFAULT, [op]));
      assert.equal(effects.length, 1, describeFixOp(op));
      const validation = validateRuleSet(rules, 2);
      assert.equal(
        validation.status,
        'valid',
        validation.status === 'invalid' ? validation.problems.join('\n') : '',
      );
    }
    const all = applied(applyFixOps(DEFAULT, LOW_RISK_OPS));
    assert.deepEqual(all.effects, LOW_RISK_CHANGES);
    assert.equal(validateRuleSet(all.rules, 2).status, 'valid');
  });

  test('never changes its input, and shares the sections it does not touch', () => {
    const input = frozenDefault();
    const snapshot = JSON.stringify(input);
    const { rules } = applied(applyFixOps(input, [...LOW_RISK_OPS, ...OTHER_OPS]));
    assert.equal(JSON.stringify(input), snapshot);
    assert.notEqual(rules, input);
    assert.equal(rules.picklists, input.picklists);
    assert.equal(rules.categoryFilters, input.categoryFilters);
    assert.notEqual(rules.fields, input.fields);
    // Rejected fixes leave it alone too.
    problemsOf(applyFixOps(input, [LOW_RISK_OPS[0]!, { op: 'code_change', description: 'x' }]));
    assert.equal(JSON.stringify(input), snapshot);
  });

  test('is idempotent: a second application changes nothing and says so', () => {
    const ops = [...LOW_RISK_OPS, ...OTHER_OPS.filter((op) => FIX_OP_RISK[op.op] !== 'high')];
    const once = applied(applyFixOps(frozenDefault(), ops));
    const twice = applied(applyFixOps(deepFreeze(once.rules), ops));
    assert.deepEqual(twice.rules, once.rules);
    assert.equal(twice.effects.length, ops.length);
    for (const effect of twice.effects) assert.ok(effect.startsWith(`${ALREADY_PRESENT}: `), effect);
    assert.deepEqual(diffRuleSets(once.rules, twice.rules), []);
  });

  test('the same op twice in one fix applies once', () => {
    const op = LOW_RISK_OPS[0]!;
    const { rules, effects } = applied(applyFixOps(DEFAULT, [op, op]));
    assert.deepEqual(effects, [
      'added brand alias "mfg brand name"',
      `${ALREADY_PRESENT}: alias brand ← "MFG Brand Name" (any family)`,
    ]);
    assert.equal(rules.fields.find((field) => field.id === 'brand')!.aliases.length, 2);
  });

  test('an alias that points one key at two fields applies, and validation reports the conflict', () => {
    const { rules } = applied(
      applyFixOps(DEFAULT, [{ op: 'add_alias', field: 'width', key: 'Product Height' }]),
    );
    const validation = validateRuleSet(rules, 2);
    assert.equal(validation.status, 'invalid');
    if (validation.status !== 'invalid') return;
    assert.ok(
      validation.problems.some((problem) =>
        /"product height".*height.*width|"product height".*width.*height/.test(problem),
      ),
      validation.problems.join('\n'),
    );
  });

  test('code_change is never applied, alone or beside valid ops', () => {
    const change: FixOp = { op: 'code_change', description: 'teach the HTML parser about <table>' };
    for (const ops of [[change], [LOW_RISK_OPS[0]!, change]]) {
      const problems = problemsOf(applyFixOps(DEFAULT, ops));
      assert.ok(
        problems.some((problem) => problem.includes('code changes are never applied automatically')),
        problems.join('\n'),
      );
    }
  });

  test('an unknown field or family is rejected by name', () => {
    const problems = problemsOf(
      applyFixOps(DEFAULT, [
        { op: 'add_alias', field: 'blade_pitch', key: 'Pitch' },
        { op: 'add_value_mapping', field: 'sheen', from: 'MT', to: 'Matte' },
        { op: 'add_ignored_key', key: 'x', families: ['amazon'], reason: 'r' },
        { op: 'add_family_affix', family: 'legacy', suffix: '_Legacy' },
      ]),
    );
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.match(problems[0]!, /^op 1 \(add_alias\): unknown field blade_pitch$/);
    assert.match(problems[1]!, /unknown field sheen/);
    assert.match(problems[2]!, /unknown source family amazon/);
    assert.match(problems[3]!, /unknown source family legacy/);
  });

  test('ops are checked against the allowlist schema before anything else', () => {
    const smuggled = [
      { op: 'run_shell', command: 'rm -rf /' },
      { op: 'add_alias', field: 'Brand; DROP', key: 'x' },
      { op: 'add_alias', field: 'brand', key: 'x', script: 'alert(1)' },
    ] as unknown as FixOp[];
    const problems = problemsOf(applyFixOps(DEFAULT, smuggled));
    assert.ok(problems.some((problem) => problem.startsWith('op 1: ')));
    assert.ok(problems.some((problem) => problem.startsWith('op 2: field')));
    assert.ok(problems.some((problem) => problem.startsWith('op 3: ')));
  });

  test('conflicts one op can see are rejected: a taken affix, a unit spelling, an existing field', () => {
    const field = DEFAULT.fields.find((candidate) => candidate.id === 'brand')!;
    const problems = problemsOf(
      applyFixOps(DEFAULT, [
        { op: 'add_family_affix', family: 'manual', prefix: 'ferguson_' },
        { op: 'add_unit_alias', spelling: 'IN', unit: 'cm' },
        { op: 'add_field', field: { ...field, label: 'Maker' } },
        { op: 'add_family_affix', family: 'record', suffix: '_Other' },
        { op: 'add_family_affix', family: 'spec_table', suffix: '_Spec' },
        { op: 'set_constraint', field: 'wattage' },
        { op: 'set_constraint', field: 'wattage', min: 10, max: 5 },
      ]),
    );
    assert.match(problems[0]!, /prefix "ferguson_" already belongs to source family ferguson/);
    assert.match(problems[1]!, /unit spelling "in" already means in/);
    assert.match(problems[2]!, /field brand already exists/);
    assert.match(problems[3]!, /record's own fields/);
    assert.match(problems[4]!, /not flat/);
    assert.match(problems[5]!, /neither min nor max/);
    assert.match(problems[6]!, /min 10 above max 5/);
  });

  test('set_constraint keeps the other bound', () => {
    const first = applied(
      applyFixOps(DEFAULT, [{ op: 'set_constraint', field: 'wattage', min: 1, max: 1000 }]),
    );
    const second = applied(applyFixOps(first.rules, [{ op: 'set_constraint', field: 'wattage', max: 2000 }]));
    assert.deepEqual(second.rules.fields.find((field) => field.id === 'wattage')!.constraints, {
      min: 1,
      max: 2000,
    });
    assert.deepEqual(second.effects, [
      'changed wattage constraints ({"min":1,"max":1000} → {"min":1,"max":2000})',
    ]);
  });

  test('removals: an alias must exist; a field goes with its references unless a category filter uses it', () => {
    assert.match(
      problemsOf(applyFixOps(DEFAULT, [{ op: 'remove_alias', field: 'upc', key: 'serial' }]))[0]!,
      /field upc has no alias "serial"/,
    );
    assert.match(
      problemsOf(applyFixOps(DEFAULT, [{ op: 'remove_field', field: 'wattage' }]))[0]!,
      /field wattage is a filter attribute of \d+ categories/,
    );
    const { rules, effects } = applied(applyFixOps(DEFAULT, [{ op: 'remove_field', field: 'finish' }]));
    assert.equal(
      rules.fields.some((field) => field.id === 'finish'),
      false,
    );
    assert.equal(
      rules.valueMappings.some((mapping) => mapping.field === 'finish'),
      false,
    );
    assert.deepEqual(effects, ['removed field finish', 'removed finish value mapping "orb"']);
    assert.equal(validateRuleSet(rules, 2).status, 'valid');
  });

  test('add_family_affix "_Legacy" on manual reads the legacy-rename example as manual entry', () => {
    const payload = JSON.parse(
      readFileSync(join(ROOT, 'examples', 'legacy-rename', 'recent-job-1-IE101WC-legacy.json'), 'utf8'),
    ) as Record<string, unknown>;
    const legacyKeys = Object.keys(payload).filter((key) => key.endsWith('_Legacy'));
    assert.ok(legacyKeys.length > 5);

    const entriesOf = (rules: RuleSet) =>
      flattenRecord(payload, compileRuleSet(rules, 1)).entries.filter((entry) =>
        entry.path.endsWith('_Legacy'),
      );
    for (const entry of entriesOf(DEFAULT)) assert.equal(entry.family, 'record', entry.path);

    const { rules } = applied(
      applyFixOps(DEFAULT, [{ op: 'add_family_affix', family: 'manual', suffix: '_Legacy' }]),
    );
    const entries = entriesOf(rules);
    assert.deepEqual(entries.map((entry) => entry.path).sort(), [...legacyKeys].sort());
    for (const entry of entries) {
      assert.equal(entry.family, 'manual', entry.path);
      assert.equal(entry.key, entry.path.slice(0, -'_Legacy'.length));
    }
    const brand = entries.find((entry) => entry.path === 'Brand_Legacy')!;
    assert.equal(compileRuleSet(rules, 2).fieldFor(brand.family, brand.normalisedKey), 'brand');
  });
});

describe('validateRuleSet', () => {
  test('schema problems come back as path: message', () => {
    const broken = { ...structuredClone(DEFAULT), unitAliases: { inches: 'furlong' } };
    const validation = validateRuleSet(broken, 2);
    assert.equal(validation.status, 'invalid');
    if (validation.status === 'invalid') assert.match(validation.problems[0]!, /^unitAliases\.inches: /);
    const missing = validateRuleSet({ schemaVersion: 1 }, 2);
    assert.equal(missing.status, 'invalid');
    if (missing.status === 'invalid')
      assert.ok(missing.problems.some((problem) => problem.startsWith('name: ')));
  });

  test('a valid rule set comes back compiled at the given version', () => {
    const validation = validateRuleSet(DEFAULT, 7);
    assert.equal(validation.status, 'valid');
    if (validation.status === 'valid') assert.equal(validation.compiled.version, 7);
  });
});

describe('diffRuleSets', () => {
  test('a rule set does not differ from itself or from a copy of itself', () => {
    assert.deepEqual(diffRuleSets(DEFAULT, DEFAULT), []);
    assert.deepEqual(diffRuleSets(DEFAULT, structuredClone(DEFAULT)), []);
    assert.deepEqual(diffRuleSets(DEFAULT, rulesSchema.parse(buildDefaultRuleSet())), []);
  });

  test('after apply, the diff lists exactly the effects of the ops', () => {
    const ops = [...LOW_RISK_OPS, ...OTHER_OPS];
    const { rules, effects } = applied(applyFixOps(DEFAULT, ops));
    const changes = diffRuleSets(DEFAULT, rules);
    assert.deepEqual(changes.map(describeChange).sort(), [...effects].sort());
    for (const line of [
      ...LOW_RISK_CHANGES,
      'added field shade_colour',
      'added wattage constraints',
      `added exclusion of height from ferguson in category ${CEILING_FANS_ID}`,
      'removed upc alias "barcode"',
      'removed field model_parent',
    ]) {
      assert.ok(effects.includes(line), `${line} in\n${effects.join('\n')}`);
    }
    // Sections in document order, then items in code-unit order.
    const sections = changes.map((change) => change.section);
    assert.deepEqual(
      sections,
      [...sections].sort((a, b) => SECTION_RANK.indexOf(a) - SECTION_RANK.indexOf(b)),
    );
  });

  test('reports removals and changes with before and after', () => {
    const after = structuredClone(DEFAULT);
    after.unitAliases.in = 'cm';
    after.picklists.brands[0]!.name = 'RENAMED';
    after.finishTerms.pop();
    after.name = 'renamed';
    const changes = diffRuleSets(DEFAULT, after);
    assert.deepEqual(
      changes.map((change) => [change.section, change.change, change.item]),
      [
        ['document', 'changed', 'name'],
        ['unitAliases', 'changed', 'unit alias "in"'],
        ['finishTerms', 'removed', `finish term "${DEFAULT.finishTerms.at(-1)}"`],
        ['picklists', 'changed', `brands entry ${DEFAULT.picklists.brands[0]!.id} "RENAMED"`],
      ],
    );
    assert.deepEqual([changes[1]!.before, changes[1]!.after], ['in', 'cm']);
  });

  test('is fast on two independently built default rule sets', () => {
    const other = rulesSchema.parse(buildDefaultRuleSet());
    other.fields.reverse();
    let best = Number.POSITIVE_INFINITY;
    for (let run = 0; run < 5; run += 1) {
      const started = performance.now();
      assert.deepEqual(diffRuleSets(DEFAULT, other), []);
      best = Math.min(best, performance.now() - started);
    }
    assert.ok(best < 20, `best of 5 took ${best.toFixed(1)} ms`);
  });
});

const SECTION_RANK = [
  'document',
  'sourceFamilies',
  'fields',
  'ignoredKeys',
  'unitAliases',
  'valueMappings',
  'finishTerms',
  'categoryMappings',
  'picklistAliases',
  'fieldExclusions',
  'picklists',
  'categoryFilters',
  'examples',
];

describe('fixOpTargets and describeFixOp', () => {
  test('targets the fields and families an op is about', () => {
    const targets = (op: FixOp) => fixOpTargets(op, DEFAULT);
    assert.deepEqual(targets({ op: 'add_alias', field: 'brand', key: 'x', families: ['manual'] }), {
      fields: ['brand'],
      families: ['manual'],
    });
    assert.deepEqual(targets({ op: 'add_picklist_alias', picklist: 'style', alias: 'x', to: 'y' }).fields, [
      'style',
    ]);
    assert.deepEqual(
      targets({ op: 'add_picklist_alias', picklist: 'attribute', alias: 'BLADE-SPAN', to: 'y' }).fields,
      ['blade_span'],
    );
    assert.deepEqual(targets({ op: 'add_category_mapping', from: 'x', to: 'y' }).fields, ['category']);
    assert.deepEqual(targets({ op: 'add_ignored_key', key: 'x', reason: 'r' }), { fields: [], families: [] });
    assert.deepEqual(targets({ op: 'code_change', description: 'x' }), { fields: [], families: [] });
    const affix = targets({ op: 'add_family_affix', family: 'manual', suffix: '_Legacy' });
    assert.equal(affix.fields.length, DEFAULT.fields.length);
    assert.deepEqual(affix.families, ['manual']);
    const units = targets({ op: 'add_unit_alias', spelling: 'inchs', unit: 'in' }).fields;
    for (const id of ['width', 'height', 'depth', 'blade_span', 'capacity'])
      assert.ok(units.includes(id), id);
    for (const id of ['weight', 'brand', 'wattage']) assert.ok(!units.includes(id), id);
  });

  test('describes each op in one readable line', () => {
    assert.equal(
      describeFixOp({ op: 'add_alias', field: 'brand', key: 'MFG Brand Name' }),
      'alias brand ← "MFG Brand Name" (any family)',
    );
    assert.equal(
      describeFixOp({ op: 'add_family_affix', family: 'manual', suffix: '_Legacy' }),
      'family manual also matches suffix "_Legacy"',
    );
    assert.equal(
      describeFixOp({
        op: 'add_picklist_alias',
        picklist: 'brand',
        alias: 'In-Sink-Erator',
        to: 'INSINKERATOR',
      }),
      'brand picklist: "In-Sink-Erator" → INSINKERATOR',
    );
    for (const op of [...LOW_RISK_OPS, ...OTHER_OPS, { op: 'code_change', description: 'a\nb' } as const]) {
      const line = describeFixOp(op);
      assert.ok(line.length > 0 && !line.includes('\n'), line);
    }
  });
});

describe('properties', () => {
  const word = fc.stringMatching(/^[a-z]{2,6}$/);
  const spelling = fc
    .tuple(fc.array(word, { minLength: 1, maxLength: 3 }), fc.constantFrom(' ', '_', '-'))
    .map(([words, separator]) => words.join(separator));
  const families = fc.option(fc.subarray(['manual', 'web_retailer', 'ferguson'], { minLength: 1 }), {
    nil: undefined,
  });
  const field = fc.constantFrom('brand', 'finish', 'color', 'width', 'wattage', 'fuel_type');
  const withFamilies = <T extends object>(op: T, list: string[] | undefined) =>
    list === undefined ? op : { ...op, families: list };
  const op: fc.Arbitrary<FixOp> = fc.oneof(
    fc
      .tuple(field, spelling, families)
      .map(([id, key, list]) => withFamilies({ op: 'add_alias' as const, field: id, key }, list)),
    fc
      .tuple(field, spelling, fc.constantFrom('Oil Rubbed Bronze', 'Gray', 'Matte Black'))
      .map(([id, from, to]) => ({
        op: 'add_value_mapping' as const,
        field: id,
        from,
        to,
      })),
    fc
      .tuple(spelling, families)
      .map(([key, list]) => withFamilies({ op: 'add_ignored_key' as const, key, reason: 'generated' }, list)),
  );
  // Half the sequences repeat an op: "already present" must be exercised, not just possible.
  const ops = fc
    .tuple(fc.array(op, { minLength: 1, maxLength: 6 }), fc.boolean())
    .map(([list, repeat]) => (repeat ? [...list, list[0]!] : list));

  test('apply is idempotent, and the diff is non-empty exactly when some effect is not "already present"', () => {
    const base = frozenDefault();
    fc.assert(
      fc.property(ops, (list) => {
        const once = applied(applyFixOps(base, list));
        const twice = applied(applyFixOps(once.rules, list));
        assert.deepEqual(twice.rules, once.rules);
        assert.ok(twice.effects.every((effect) => effect.startsWith(`${ALREADY_PRESENT}: `)));
        const changed = once.effects.some((effect) => !effect.startsWith(`${ALREADY_PRESENT}: `));
        assert.equal(diffRuleSets(base, once.rules).length > 0, changed);
        assert.deepEqual(
          diffRuleSets(base, once.rules).map(describeChange).sort(),
          once.effects.filter((effect) => !effect.startsWith(`${ALREADY_PRESENT}: `)).sort(),
        );
      }),
      { numRuns: 100 },
    );
  });

  test('the risk of a fix is the highest risk of its ops', () => {
    const samples: FixOp[] = [...LOW_RISK_OPS, ...OTHER_OPS, { op: 'code_change', description: 'x' }];
    const rank: Record<Risk, number> = { low: 0, medium: 1, high: 2 };
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...samples), { maxLength: 8 }), (list) => {
        const highest = (['low', 'medium', 'high'] as const)[
          Math.max(0, ...list.map((item) => rank[FIX_OP_RISK[item.op]]))
        ];
        assert.equal(riskOf(list), highest);
        if (list.some((item) => item.op === 'code_change' || item.op.startsWith('remove_'))) {
          assert.equal(riskOf(list), 'high');
        }
      }),
      { numRuns: 200 },
    );
  });
});
