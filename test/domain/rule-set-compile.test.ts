import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileRuleSet, RuleSetCompileError } from '../../src/domain/rule-set/compile-rule-set.ts';
import { type RuleSet, rulesSchema } from '../../src/domain/rule-set/rule-set-schema.ts';
import { defaultRuleSet, verify } from './support.ts';

/** "Syntax validation" of a fix (DESIGN.md §2): a rule set with a conflict does not compile. */

/** The default rule set with one change, checked against the schema like a staged version. */
function staged(change: (rules: RuleSet) => void): RuleSet {
  const rules = structuredClone(defaultRuleSet());
  change(rules);
  return rulesSchema.parse(rules);
}

function compileProblems(rules: RuleSet): readonly string[] {
  try {
    compileRuleSet(rules, 2);
  } catch (error) {
    assert.ok(error instanceof RuleSetCompileError, String(error));
    assert.equal(error.code, 'RULE_SET_INVALID');
    assert.equal(error.retryable, false);
    return error.problems;
  }
  assert.fail('the rule set compiled');
}

const field = (rules: RuleSet, id: string) => {
  const found = rules.fields.find((item) => item.id === id);
  assert.ok(found, id);
  return found;
};

describe('compileRuleSet', () => {
  test('the default rule set compiles', () => {
    const compiled = compileRuleSet(defaultRuleSet(), 1);
    assert.equal(compiled.version, 1);
    assert.equal(compiled.fieldFor('web_retailer', 'brand'), 'brand');
    assert.equal(compiled.fieldFor('web_retailer_specs', 'blade sweep'), 'blade_span');
    assert.ok(compiled.filtersByCategoryId.size > 50);
  });

  test('one key aliased to two fields is a conflict', () => {
    const rules = staged((draft) => {
      field(draft, 'brand').aliases.push({ key: 'mfg brand name' });
      field(draft, 'model_number').aliases.push({ key: 'mfg brand name' });
    });
    const problems = compileProblems(rules);
    assert.ok(
      problems.some((problem) =>
        problem.includes('"mfg brand name" is aliased to both brand and model_number'),
      ),
      problems.join('\n'),
    );
  });

  test('an alias that collides with another field label is a conflict', () => {
    const rules = staged((draft) => {
      field(draft, 'width').aliases.push({ key: 'height' });
    });
    assert.ok(compileProblems(rules).some((problem) => problem.includes('"height"')));
  });

  test('one key aliased to two fields in different families is not a conflict', () => {
    const rules = staged((draft) => {
      field(draft, 'brand').aliases.push({ key: 'maker', families: ['web_retailer'] });
      field(draft, 'model_number').aliases.push({ key: 'maker', families: ['ferguson'] });
    });
    const compiled = compileRuleSet(rules, 2);
    assert.equal(compiled.fieldFor('web_retailer', 'maker'), 'brand');
    assert.equal(compiled.fieldFor('ferguson', 'maker'), 'model_number');
  });

  test('a value mapping cycle is a conflict', () => {
    const rules = staged((draft) => {
      draft.valueMappings.push(
        { field: 'finish', from: 'bn', to: 'Brushed Nickel' },
        { field: 'finish', from: 'brushed nickel', to: 'BN' },
      );
    });
    assert.ok(
      compileProblems(rules).some((problem) => problem.includes('value mappings of finish form a cycle')),
    );
  });

  test('a longer value mapping cycle is a conflict too', () => {
    const rules = staged((draft) => {
      draft.valueMappings.push(
        { field: 'color', from: 'a', to: 'B' },
        { field: 'color', from: 'b', to: 'C' },
        { field: 'color', from: 'c', to: 'A' },
      );
    });
    assert.ok(compileProblems(rules).some((problem) => problem.includes('cycle')));
  });

  test('a chain of value mappings without a cycle compiles', () => {
    const rules = staged((draft) => {
      draft.valueMappings.push(
        { field: 'color', from: 'bk', to: 'Blk' },
        { field: 'color', from: 'blk', to: 'Black' },
      );
    });
    assert.doesNotThrow(() => compileRuleSet(rules, 2));
  });

  test('a value mapped to its own spelling (a case fix) is not a cycle', () => {
    // Regression: `stainless steel` → `Stainless Steel` normalises back to itself and was
    // rejected as a one-step cycle, so a healer could never fix the capitalisation of a value.
    const rules = staged((draft) => {
      draft.valueMappings.push(
        { field: 'color', from: 'stainless steel', to: 'Stainless Steel' },
        { field: 'color', from: 'ss steel', to: 'STAINLESS STEEL' },
      );
    });
    const compiled = compileRuleSet(rules, 2);
    assert.equal(compiled.mapValue('color', 'STAINLESS STEEL'), 'Stainless Steel');
    assert.equal(
      verify(
        { SF_Catalog_Name: 'X1', Color_Finish_Web_Retailer: 'STAINLESS STEEL', Brand_Web_Retailer: 'GE' },
        compiled,
      ).result.Primary_Attributes.Color_Verified,
      'Stainless Steel',
    );
  });

  test('a picklist alias to a name not in the picklist is an error', () => {
    const rules = staged((draft) => {
      draft.picklistAliases.push({ picklist: 'brand', alias: 'in sink erator', to: 'IN-SINK-ERATOR CORP' });
    });
    assert.ok(
      compileProblems(rules).some((problem) =>
        problem.includes(
          'picklist alias in sink erator points at IN-SINK-ERATOR CORP, not in the brand picklist',
        ),
      ),
    );
  });

  test('a picklist alias to a picklist name compiles and matches', () => {
    const rules = staged((draft) => {
      draft.picklistAliases.push({ picklist: 'brand', alias: 'in sink erator co', to: 'INSINKERATOR' });
    });
    const compiled = compileRuleSet(rules, 2);
    assert.equal(compiled.matchPicklist('brand', 'In Sink Erator Co')?.name, 'INSINKERATOR');
  });

  test('a category mapping to a name not in the category picklist is an error', () => {
    const rules = staged((draft) => {
      draft.categoryMappings.push({ from: 'fans', to: 'Fans That Do Not Exist #' });
    });
    assert.ok(compileProblems(rules).some((problem) => problem.includes('not in the category picklist')));
  });

  test('an alias, exclusion or mapping that names an unknown family or field is an error', () => {
    const rules = staged((draft) => {
      field(draft, 'brand').aliases.push({ key: 'maker', families: ['no_such_family'] });
      draft.valueMappings.push({ field: 'no_such_field', from: 'x', to: 'Y' });
    });
    const problems = compileProblems(rules);
    assert.ok(problems.some((problem) => problem.includes('unknown source family no_such_family')));
    assert.ok(problems.some((problem) => problem.includes('unknown field no_such_field')));
  });
});

describe('categories that share a name in the Salesforce picklist', () => {
  // Regression: the first entry in file order won, so "Lamps #" resolved to the id that has no
  // filter attributes and the record got no Top-15.
  test('"Lamps #" resolves to the id whose filter attributes are curated', () => {
    const { result } = verify({
      SF_Catalog_Id: 'a03aZ00000Nk21gQAB',
      SF_Catalog_Name: 'LAMP-1',
      Category_Manual: 'Lamps #',
      Brand_Web_Retailer: 'Kichler',
    });
    assert.equal(result.Primary_Attributes.Category_Verified, 'Lamps #');
    assert.equal(result.Primary_Attributes.Category_Id, 'a01aZ00000dCekOQAS');
    assert.ok(Object.keys(result.Top_Filter_Attributes).length > 0);
  });

  test('an exact spelling wins: "Outdoor Lighting" and "Outdoor Lighting #" are two categories', () => {
    const compiled = compileRuleSet(defaultRuleSet(), 1);
    assert.equal(compiled.matchCategory('Outdoor Lighting #', 'manual')?.id, 'a01aZ00000dCejvQAC');
    assert.equal(compiled.matchCategory('Outdoor Lighting', 'manual')?.id, 'a01aZ00000dC5EWQA0');
    // Another spelling of both prefers the one that carries filter attributes.
    assert.equal(compiled.matchCategory('OUTDOOR-LIGHTING', 'manual')?.id, 'a01aZ00000dCejvQAC');
  });
});

test('the default rule set lists each alias of a field once (spellings that normalise alike are one)', () => {
  for (const field of defaultRuleSet().fields) {
    const keys = field.aliases.map((entry) => `${entry.key}|${(entry.families ?? []).join(',')}`);
    assert.deepEqual(keys, [...new Set(keys)], `${field.id} has a duplicate alias`);
  }
});
