import { type CompiledRuleSet, compileRuleSet } from '../domain/rule-set/compile-rule-set.ts';
import { buildDefaultRuleSet } from '../domain/rule-set/default-rule-set.ts';
import { type RuleSet, rulesSchema } from '../domain/rule-set/rule-set-schema.ts';
import type { RuleSetRepository } from '../store/rule-set-repository.ts';

/**
 * The active rule set, compiled once per version. The first start stores the shipped default
 * as version 1 (or the given initial document, e.g. the demo's older rule set).
 */
export class RuleSetService {
  private readonly compiled = new Map<number, CompiledRuleSet>();

  constructor(
    private readonly repository: RuleSetRepository,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async bootstrap(initial: RuleSet = buildDefaultRuleSet()): Promise<number> {
    const active = await this.repository.activeVersion();
    if (active !== null) return active;
    const document = rulesSchema.parse(initial);
    compileRuleSet(document, 1);
    const at = this.now().toISOString();
    const created = await this.repository.create({
      parentVersion: null,
      document,
      createdBy: 'verity',
      note: 'initial rule set',
      at,
    });
    await this.repository.activate(created.version, 'verity', at);
    return created.version;
  }

  async active(): Promise<CompiledRuleSet> {
    const version = await this.repository.activeVersion();
    if (version === null) throw new Error('no active rule set: bootstrap() was not called');
    return this.version(version);
  }

  async version(version: number): Promise<CompiledRuleSet> {
    const cached = this.compiled.get(version);
    if (cached) return cached;
    const stored = await this.repository.get(version);
    if (!stored) throw new Error(`rule set version ${version} does not exist`);
    const compiled = compileRuleSet(rulesSchema.parse(stored.document), version);
    this.compiled.set(version, compiled);
    return compiled;
  }
}
