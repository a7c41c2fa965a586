import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadConfig } from '../src/config/config.ts';
import { createLexicalDiagnostician } from '../src/diagnosticians/builtin/lexical.ts';
import { createValueProfileDiagnostician } from '../src/diagnosticians/builtin/value-profile.ts';
import type { UsageEntry } from '../src/healing/call-log.ts';
import { startVerity } from '../src/main.ts';
import { builtinAnswer, type Responder, startChatStub } from '../test/support/chat-completions-stub.ts';
import type { BenchFigure } from './verification-bench.ts';

/**
 * (h) Heals with the LLM diagnosticians: the peer jobs and the `_Legacy` rename healed with
 * OpenAI and xAI as loopback stand-ins that answer after a fixed delay (as a built-in would).
 * What is measured is verity's side: the time of its heal steps beyond the providers' time,
 * provider calls per healed signature and tokens per heal.
 */

const EXAMPLES = fileURLToPath(new URL('../examples', import.meta.url));
const files = (dir: string) =>
  readdirSync(join(EXAMPLES, dir))
    .sort()
    .map((file) => join(EXAMPLES, dir, file));

/** Provider wall time of a run's calls: the two providers are asked in parallel, so pairs overlap. */
function providerWallMs(usage: readonly UsageEntry[]): number {
  const groups = new Map<string, number[]>();
  for (const entry of usage) {
    const key = `${entry.state}:${entry.step}`;
    groups.set(key, [...(groups.get(key) ?? []), entry.latencyMs]);
  }
  let total = 0;
  for (const latencies of groups.values()) {
    for (let index = 0; index < latencies.length; index += 2) {
      total += Math.max(latencies[index] ?? 0, latencies[index + 1] ?? 0);
    }
  }
  return total;
}

export async function benchLlmHeal(dir: string, providerDelayMs = 200): Promise<BenchFigure[]> {
  const lexical = createLexicalDiagnostician();
  const valueProfile = createValueProfileDiagnostician();
  const delayed =
    (diagnostician: typeof lexical): Responder =>
    async (request) => ({ answer: await builtinAnswer(diagnostician, request), delayMs: providerDelayMs });
  const openai = await startChatStub(delayed(lexical));
  const xai = await startChatStub(delayed(valueProfile));
  const config = loadConfig({
    DATABASE_URL: `sqlite:${join(dir, 'llm-bench.db')}`,
    LOG_DIR: join(dir, 'llm-logs'),
    LOG_LEVEL: 'silent',
    API_KEY: 'bench-api-key-0123456789',
    ADMIN_API_KEY: 'bench-admin-key-0123456789',
    PORT: '0',
    HOST: '127.0.0.1',
    SELF_HEALING_DELAY_AFTER_WEBHOOK: '50',
    SELF_HEALING_AUTO_APPROVE_LOW_RISK: 'true',
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_BASE_URL: openai.baseUrl,
    XAI_API_KEY: 'xai-bench',
    XAI_BASE_URL: xai.baseUrl,
  });
  const verity = await startVerity(config, {
    http: false,
    queuePollMs: 20,
    logger: pino({ level: 'silent' }),
  });
  try {
    for (const file of [...files('peer-jobs'), ...files('legacy-rename')]) {
      await verity.app.inject({
        method: 'POST',
        url: '/api/verify/salesforce',
        headers: { 'x-api-key': 'bench-api-key-0123456789', 'content-type': 'application/json' },
        payload: readFileSync(file, 'utf8'),
      });
    }
    // Wait until every run is over and the queue is empty.
    const deadline = Date.now() + 120_000;
    let quiet = 0;
    while (quiet < 3) {
      const counts = await verity.queue.counts();
      const open = await verity.db
        .selectFrom('self_healing_logs')
        .select('id')
        .where('state', 'in', ['detected', 'attempting', 'final_validation', 'activating', 'correcting'])
        .execute();
      quiet = counts.queued + counts.active + open.length === 0 ? quiet + 1 : 0;
      if (Date.now() > deadline) throw new Error('llm bench: heals did not settle in 120 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const runs = await verity.db
      .selectFrom('self_healing_logs')
      .select(['state', 'usage', 'timings', 'attempts_taken'])
      .execute();
    const healed = runs.filter((run) => run.state === 'completed');
    if (healed.length === 0) throw new Error('llm bench: nothing healed');
    const usageOf = (run: { usage: string }) => JSON.parse(run.usage) as UsageEntry[];
    const stepsMs = (run: { timings: string }) =>
      Object.values(JSON.parse(run.timings) as Record<string, number>).reduce((sum, ms) => sum + ms, 0);
    const ownMs = healed.map((run) => Math.max(0, stepsMs(run) - providerWallMs(usageOf(run))));
    const allUsage = runs.flatMap(usageOf);
    const healedUsage = healed.flatMap(usageOf);
    const firstAttempt = healed.filter((run) => run.attempts_taken === 1);
    const callsPerHeal = firstAttempt.flatMap(usageOf).length / Math.max(1, firstAttempt.length);
    const perProvider = callsPerHeal / 2;
    const tokens = (entries: readonly UsageEntry[]) =>
      entries.reduce((sum, entry) => sum + entry.tokensIn + entry.tokensOut, 0);
    const cost = allUsage.reduce((sum, entry) => sum + (entry.costUsd ?? 0), 0);
    const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    return [
      {
        name: '(h) LLM heal: verity time beyond providers',
        value: mean(ownMs),
        unit: 'ms/heal',
        target: '≤ 1000 ms',
        met: mean(ownMs) <= 1000,
        detail: `${healed.length} healed run(s) of ${runs.length}; heal steps ${Math.round(mean(healed.map(stepsMs)))} ms, of which providers ${Math.round(mean(healed.map((run) => providerWallMs(usageOf(run)))))} ms (stand-ins answer after ${providerDelayMs} ms; two providers in parallel)`,
      },
      {
        name: '(h) LLM heal: provider calls per healed signature',
        value: callsPerHeal,
        unit: 'calls',
        // The target counts every provider call of the heal, both providers together.
        target: '≤ 6 (first-attempt success)',
        met: callsPerHeal <= 6,
        detail: `${perProvider} per provider (diagnose, review of the outcome, final approval, and review of the other's diagnosis unless both proposed the same fix); all runs, superseded ones included: ${allUsage.length} calls for ${healed.length} heal(s)`,
      },
      {
        name: '(h) LLM heal: tokens per heal',
        value: tokens(healedUsage) / healed.length,
        unit: 'tokens',
        target: 'baseline',
        met: null,
        detail: `in + out over both providers for a healed run; all runs: ${tokens(allUsage)} tokens, $${cost.toFixed(4)} at list prices (gpt-4o, grok-2-latest)`,
      },
    ];
  } finally {
    await verity.stop();
    await openai.close();
    await xai.close();
  }
}
