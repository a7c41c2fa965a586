import OpenAI from 'openai';
import { type Config, diagnosticianPair, type ProviderName } from '../config/config.ts';
import { createLexicalDiagnostician } from './builtin/lexical.ts';
import { createValueProfileDiagnostician } from './builtin/value-profile.ts';
import type { Diagnostician } from './diagnostician.ts';
import { ChatDiagnostician } from './llm/chat-diagnostician.ts';
import { CircuitBreaker } from './llm/circuit-breaker.ts';
import { createPricing } from './llm/pricing.ts';
import { loadPrompts, type PromptSet } from './llm/prompt-set.ts';
import { createRedactor } from './llm/redact.ts';

/** The settings the diagnosticians read. */
export type DiagnosticianConfig = Pick<
  Config,
  | 'DUAL_AI_PROVIDERS'
  | 'OPENAI_API_KEY'
  | 'OPENAI_MODEL'
  | 'OPENAI_BASE_URL'
  | 'XAI_API_KEY'
  | 'XAI_MODEL'
  | 'XAI_BASE_URL'
  | 'DIAGNOSTICIAN_TIMEOUT_MS'
  | 'DIAGNOSTICIAN_MAX_RETRIES'
  | 'DIAGNOSTICIAN_MAX_INPUT_TOKENS'
  | 'DIAGNOSTICIAN_MAX_OUTPUT_TOKENS'
  | 'DIAGNOSTICIAN_BREAKER_FAILURES'
  | 'DIAGNOSTICIAN_BREAKER_COOLDOWN_MS'
  | 'DIAGNOSTICIAN_PRICES'
  | 'DIAGNOSTICIAN_REDACT_FIELDS'
>;

/**
 * The pair that diagnoses, reviews and approves every fix (DESIGN.md §5): DUAL_AI_PROVIDERS,
 * else OpenAI + xAI when both keys are set, else the built-in matchers. Mixed pairs work. The
 * prompt files are read here, at start, so that a missing one stops verity before it serves.
 */
export function chooseDiagnosticians(config: DiagnosticianConfig): readonly [Diagnostician, Diagnostician] {
  const names = diagnosticianPair(config);
  let prompts: PromptSet | null = null;
  const build = (name: ProviderName): Diagnostician => {
    if (name === 'lexical') return createLexicalDiagnostician();
    if (name === 'value-profile') return createValueProfileDiagnostician();
    prompts ??= loadPrompts();
    return createChatDiagnostician(name, config, prompts);
  };
  return [build(names[0]), build(names[1])];
}

/** An LLM diagnostician for `openai` or `xai`, from configuration. */
export function createChatDiagnostician(
  name: 'openai' | 'xai',
  config: DiagnosticianConfig,
  prompts: PromptSet = loadPrompts(),
): ChatDiagnostician {
  const apiKey = name === 'openai' ? config.OPENAI_API_KEY : config.XAI_API_KEY;
  // loadConfig refuses a named provider without its key; this guards direct callers.
  if (!apiKey) throw new Error(`diagnostician ${name} needs ${name === 'openai' ? 'OPENAI' : 'XAI'}_API_KEY`);
  const client = new OpenAI({
    apiKey,
    ...(name === 'openai'
      ? config.OPENAI_BASE_URL
        ? { baseURL: config.OPENAI_BASE_URL }
        : {}
      : // The SDK would read OPENAI_ORG_ID / OPENAI_PROJECT_ID from the environment and send
        // them to xAI too: another provider gets none of OpenAI's account identifiers.
        { baseURL: config.XAI_BASE_URL, organization: null, project: null }),
    timeout: config.DIAGNOSTICIAN_TIMEOUT_MS,
    maxRetries: config.DIAGNOSTICIAN_MAX_RETRIES,
  });
  return new ChatDiagnostician({
    name,
    client,
    model: name === 'openai' ? config.OPENAI_MODEL : config.XAI_MODEL,
    prompts,
    redactor: createRedactor(config.DIAGNOSTICIAN_REDACT_FIELDS),
    pricing: createPricing(config.DIAGNOSTICIAN_PRICES),
    breaker: new CircuitBreaker(
      name,
      config.DIAGNOSTICIAN_BREAKER_FAILURES,
      config.DIAGNOSTICIAN_BREAKER_COOLDOWN_MS,
    ),
    maxInputTokens: config.DIAGNOSTICIAN_MAX_INPUT_TOKENS,
    maxOutputTokens: config.DIAGNOSTICIAN_MAX_OUTPUT_TOKENS,
  });
}
