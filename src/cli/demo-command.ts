import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.ts';
import { startVerity } from '../main.ts';
import { createLogger } from '../observability/logger.ts';
import { QUEUES } from '../pipeline/queues.ts';
import { formatReplaySummary, replay } from './replay-command.ts';
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
    const received = sink.received();
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
    const scans = await verity.queue.counts(QUEUES.selfHealingScan);
    out(
      `Self-healing scans scheduled (due ${config.SELF_HEALING_DELAY_AFTER_WEBHOOK} ms after each webhook): ${scans.queued}`,
    );
    out(`Logs: ${join(config.LOG_DIR, 'combined.log')}`);
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
