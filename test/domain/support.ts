import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CompiledRuleSet, compileRuleSet } from '../../src/domain/rule-set/compile-rule-set.ts';
import { buildDefaultRuleSet } from '../../src/domain/rule-set/default-rule-set.ts';
import { type RuleSet, rulesSchema } from '../../src/domain/rule-set/rule-set-schema.ts';
import {
  type VerificationContext,
  type VerificationOutcome,
  verifyRecord,
} from '../../src/domain/verification/verify-record.ts';

/** Shared fixtures of the domain suites: the default rule set and the example payloads. */

export const REPOSITORY_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const CONTEXT: VerificationContext = { receivedAt: '2026-01-28T22:25:35.470Z', sessionId: 'test' };

export function defaultRuleSet(): RuleSet {
  return rulesSchema.parse(buildDefaultRuleSet());
}

let compiled: CompiledRuleSet | null = null;
/** The default rule set, compiled once per test file. */
export function defaultRules(): CompiledRuleSet {
  compiled ??= compileRuleSet(defaultRuleSet(), 1);
  return compiled;
}

export interface ExampleIndexEntry {
  readonly file: string;
  readonly group: string;
  readonly sfCatalogId: string | null;
  readonly sfCatalogName: string | null;
  readonly source: string;
}

export function exampleIndex(): ExampleIndexEntry[] {
  return JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'examples', 'index.json'), 'utf8'));
}

/** An example payload by its path relative to the repository (`examples/peer-jobs/...json`). */
export function loadExample(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(REPOSITORY_ROOT, file), 'utf8'));
}

export function verify(
  payload: Readonly<Record<string, unknown>>,
  rules: CompiledRuleSet = defaultRules(),
): VerificationOutcome {
  return verifyRecord(payload, rules, CONTEXT);
}
