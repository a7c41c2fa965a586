import type { RuleSet } from './rule-set-schema.ts';

/** Example cases of the default rule set; filled in with the engine's verified expectations. */
export const DEFAULT_EXAMPLES: RuleSet['examples'] = [];
