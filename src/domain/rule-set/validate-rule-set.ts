import { type CompiledRuleSet, compileRuleSet, RuleSetCompileError } from './compile-rule-set.ts';
import { type RuleSet, rulesSchema } from './rule-set-schema.ts';

/**
 * The "syntax validation" of a fix (DESIGN.md §2): a candidate rule set passes the rule set
 * schema, then compiles without conflicts (one key aliased to two fields, a value mapping cycle,
 * a reference to an unknown field, family or picklist entry). Both outcomes are values; only an
 * unexpected failure of the compiler itself is thrown.
 */

export type RuleSetValidation =
  | { status: 'valid'; rules: RuleSet; compiled: CompiledRuleSet }
  | { status: 'invalid'; problems: readonly string[] };

export function validateRuleSet(candidate: unknown, version: number): RuleSetValidation {
  const parsed = rulesSchema.safeParse(candidate);
  if (!parsed.success) {
    return {
      status: 'invalid',
      problems: parsed.error.issues.map(
        (issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`,
      ),
    };
  }
  try {
    return { status: 'valid', rules: parsed.data, compiled: compileRuleSet(parsed.data, version) };
  } catch (error) {
    if (error instanceof RuleSetCompileError) return { status: 'invalid', problems: error.problems };
    throw error;
  }
}
