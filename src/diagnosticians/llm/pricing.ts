import type { PriceTable } from '../../config/config.ts';

/**
 * US dollars per million tokens, by model. The built-in entries are the providers' list prices
 * when this table was written (OpenAI and xAI pricing pages); DIAGNOSTICIAN_PRICES overrides or
 * adds entries. A model in neither table is not priced: its cost is null, never a guess.
 */
export const DEFAULT_PRICES: PriceTable = {
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4o-2024-08-06': { input: 2.5, output: 10 },
  'gpt-4o-2024-11-20': { input: 2.5, output: 10 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'grok-2-latest': { input: 2, output: 10 },
  'grok-2-1212': { input: 2, output: 10 },
  'grok-3': { input: 3, output: 15 },
  'grok-3-mini': { input: 0.3, output: 0.5 },
};

export interface Pricing {
  /** Cost of one call in US dollars, or null when the model has no price. */
  cost(model: string, tokensIn: number, tokensOut: number): number | null;
}

export function createPricing(overrides: PriceTable = {}): Pricing {
  const table: PriceTable = { ...DEFAULT_PRICES, ...overrides };
  return {
    cost(model, tokensIn, tokensOut) {
      const price = table[model];
      if (!price) return null;
      // Whole micro-dollars: sums of many calls stay exact enough and print cleanly.
      return Math.round(((tokensIn * price.input + tokensOut * price.output) / 1_000_000) * 1e6) / 1e6;
    },
  };
}
