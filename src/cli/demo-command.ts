import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.ts';
import { describeFixOp } from '../domain/rule-set/apply-fix-ops.ts';
import type { FixOp } from '../domain/rule-set/fix-ops.ts';
import { healMetrics } from '../healing/heal-metrics.ts';
import { healRunRecord } from '../healing/heal-run-record.ts';
import { startVerity, type Verity } from '../main.ts';
import { createLogger } from '../observability/logger.ts';
import { QUEUES } from '../pipeline/queues.ts';
import { formatReplaySummary, outcomeOfStatus, type ReplayOutcome, replay } from './replay-command.ts';
import { startSfSink } from './sf-sink-command.ts';

/**
 * `npm run demo`: verity and a local Salesforce stand-in (the sink) on loopback, every record in
 * examples/ replayed through the real HTTP API, then the summary and where the webhooks landed.
 * Everything lives in a fresh folder (default ./data/demo); nothing leaves 127.0.0.1.
 */
export async function demoCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      examples: { type: 'string', default: 'examples' },
      dir: { type: 'string', default: join('data', 'demo') },
      'keep-running': { type: 'boolean', default: false },
      /** The demo waits 2 s, not the seed's 60, between a webhook and its scan. */
      'heal-delay': { type: 'string', default: '2000' },
    },
  });
  const dir = resolve(values.dir);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const sinkFile = join(dir, 'sf-sink.jsonl');
  const out = (line = '') => process.stdout.write(`${line}\n`);

  const sink = await startSfSink({ port: 0, out: sinkFile });
  const config = loadConfig({
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: `sqlite:${join(dir, 'verity.db')}`,
    LOG_DIR: join(dir, 'logs'),
    SF_WEBHOOK_URL: `${sink.url}/services/apexrest/catalog_verification`,
    SF_API_KEY: 'demo-salesforce-key',
    WEBHOOK_SIGNING_SECRET: 'demo-signing-secret',
    API_KEY: 'demo-api-key',
    ADMIN_API_KEY: 'demo-admin-key',
    SELF_HEALING_DELAY_AFTER_WEBHOOK: values['heal-delay'],
    // The demo plays the operator who lets low-risk fixes through; the default is false.
    SELF_HEALING_AUTO_APPROVE_LOW_RISK: process.env.SELF_HEALING_AUTO_APPROVE_LOW_RISK ?? 'true',
  });
  const logger = createLogger({ level: 'info', logDir: config.LOG_DIR, stdout: false });
  const verity = await startVerity(config, { logger });
  out(`verity on ${verity.url}, Salesforce stand-in on ${sink.url} (data in ${dir})`);
  out(`replaying ${values.examples}/ through POST /api/verify/salesforce ...`);
  try {
    const summary = await replay({
      path: values.examples,
      url: verity.url!,
      apiKey: config.API_KEY!,
      concurrency: 8,
      wait: true,
      timeoutMs: 300_000,
      progress: process.stderr,
    });
    await verity.queue.idle([QUEUES.verify, QUEUES.deliverResult], 120_000);
    out();
    out(formatReplaySummary(summary));
    // Corrections may already arrive while results are still landing: count results only.
    const received = sink.received().filter((record) => record.headers['x-correction-type'] === undefined);
    const delivered = await verity.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('webhook_success', '=', 1)
      .executeTakeFirstOrThrow();
    out();
    out(
      `Webhooks: ${received.length} result deliveries reached the Salesforce stand-in; ${Number(delivered.count)} jobs marked delivered.`,
    );
    out(`  each request, with its headers (keys redacted) and body: ${sinkFile}`);
    const sample = received.find(
      (record) => (record.body as { data?: { Status?: string } })?.data?.Status === 'success',
    );
    if (sample) {
      const data = (sample.body as { data: Record<string, unknown> }).data;
      const primary = data.Primary_Attributes as Record<string, unknown>;
      out(
        `  e.g. ${data.SF_Catalog_Name}: brand ${primary.Brand_Verified} (${primary.Brand_Id}), category ${primary.Category_Verified}, status ${data.Status}`,
      );
    }
    out();
    out(
      `Self-healing: each job is scanned ${config.SELF_HEALING_DELAY_AFTER_WEBHOOK} ms after its webhook ...`,
    );
    await waitForHealing(verity);
    out(await healingSummary(verity));
    out(
      `Logs: ${join(config.LOG_DIR, 'combined.log')} (grep "Self-Healing"), ${join(config.LOG_DIR, 'self_healing_changes.log')}`,
    );
    if (values['keep-running']) {
      out(`Still running (API key ${config.API_KEY}); Ctrl-C to stop.`);
      await new Promise<void>((done) => process.once('SIGINT', () => done()));
    }
    return summary.unreachable > 0 ? 1 : 0;
  } finally {
    await verity.stop();
    await sink.close();
  }
}

/** Until every scan has come due and every heal step and correction has run. */
async function waitForHealing(verity: Verity): Promise<void> {
  const queues = [QUEUES.selfHealingScan, QUEUES.healStep, QUEUES.correction];
  const started = Date.now();
  let lastReport = 0;
  for (;;) {
    const counts = await Promise.all(queues.map((queue) => verity.queue.counts(queue)));
    const open = counts.reduce((sum, count) => sum + count.queued + count.active, 0);
    if (open === 0) return;
    if (Date.now() - lastReport > 5000) {
      lastReport = Date.now();
      const [scans, steps, corrections] = counts;
      process.stderr.write(
        `  waiting: ${scans!.queued + scans!.active} scans, ${steps!.queued + steps!.active} heal steps, ${corrections!.queued + corrections!.active} corrections (${Math.round((Date.now() - started) / 1000)} s)\n`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Stored results by outcome, as the replay counts them (a correction stores the re-verified result). */
async function resultStatuses(verity: Verity): Promise<string> {
  const rows = await verity.db
    .selectFrom('jobs')
    .select('result')
    .where('status', '=', 'completed')
    .execute();
  const counts: Record<ReplayOutcome | 'other', number> = {
    verified: 0,
    partial: 0,
    failed: 0,
    data_conflict: 0,
    other: 0,
  };
  for (const row of rows)
    counts[outcomeOfStatus((JSON.parse(row.result ?? '{}') as { Status?: unknown }).Status)] += 1;
  return Object.entries(counts)
    .filter(([, count]) => count > 0)
    .map(([outcome, count]) => `${count} ${outcome}`)
    .join(', ');
}

async function healingSummary(verity: Verity): Promise<string> {
  const { runs } = await verity.healRuns.history({ limit: 10_000 });
  const byState = new Map<string, number>();
  for (const run of runs) byState.set(run.state, (byState.get(run.state) ?? 0) + 1);
  const lines = [
    `  heal runs: ${runs.length} (${[...byState].map(([state, count]) => `${count} ${state}`).join(', ')})`,
  ];
  for (const run of runs.filter((candidate) => candidate.state === 'completed')) {
    const record = healRunRecord(run);
    const fix = record.selectedFix as { fixOps: FixOp[]; systemWideOps: FixOp[] } | null;
    const ops = [...(fix?.fixOps ?? []), ...(fix?.systemWideOps ?? [])].map(describeFixOp).join('; ');
    lines.push(`  ✔ ${run.signature}: ${ops} → rule set v${run.activated_version}; ${run.outcome_reason}`);
  }
  const corrections = (
    await verity.db
      .selectFrom('delivery_attempts')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('kind', '=', 'correction')
      .where('succeeded', '=', 1)
      .executeTakeFirstOrThrow()
  ).count;
  lines.push(`  corrections delivered to the Salesforce stand-in: ${Number(corrections)}`);
  lines.push(`  results now, after the corrections: ${await resultStatuses(verity)}`);
  const metrics = healMetrics(await verity.healRuns.metricRows(), await verity.healRuns.countIssues());
  lines.push(`  metrics (GET /api/self-healing/metrics): ${JSON.stringify(metrics)}`);
  return lines.join('\n');
}
