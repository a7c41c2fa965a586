import { dirname } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config/config.ts';
import { withLocalKeys } from './config/local-keys.ts';
import { chooseDiagnosticians } from './diagnosticians/choose-diagnosticians.ts';
import type { Diagnostician } from './diagnosticians/diagnostician.ts';
import type { RuleSet } from './domain/rule-set/rule-set-schema.ts';
import { ChangesLog, Escalations } from './healing/escalation.ts';
import { HealRunner } from './healing/heal-run.ts';
import { ScanService } from './healing/scan-job.ts';
import { CorrectionSender } from './healing/send-correction.ts';
import { buildHttpApp } from './http/app.ts';
import { ListenError } from './http/listen-error.ts';
import { selfHealingRoutes } from './http/routes/self-healing-routes.ts';
import { createLogger } from './observability/logger.ts';
import { Metrics } from './observability/metrics.ts';
import { ResultDeliveryHandler } from './pipeline/deliver-result.ts';
import { IntakeService } from './pipeline/intake-service.ts';
import { QUEUES } from './pipeline/queues.ts';
import { RuleSetService } from './pipeline/rule-set-service.ts';
import { VerifyJobHandler } from './pipeline/verify-job.ts';
import { SqlTableQueue } from './queue/sql-table-queue.ts';
import { type Db, openDatabase, sqlitePath } from './store/database.ts';
import { DeliveryRepository } from './store/delivery-repository.ts';
import { HealRunRepository } from './store/heal-run-repository.ts';
import { JobRepository } from './store/job-repository.ts';
import { RuleSetRepository } from './store/rule-set-repository.ts';

/**
 * The composition root: the one place that builds the database, queue, services and servers.
 * Everything else receives what it needs as parameters.
 */

export interface VerityOptions {
  /** Listen for HTTP (default true). */
  readonly http?: boolean;
  /** Run the queue workers in this process (default true). */
  readonly workers?: boolean;
  /** Rule set stored as version 1 on a fresh database (default: the shipped one). */
  readonly initialRuleSet?: RuleSet;
  readonly logger?: Logger;
  /** Queue lease and poll interval, ms (tests shorten them). */
  readonly queuePollMs?: number;
  /** The diagnostician pair (default: chosen from configuration). */
  readonly diagnosticians?: readonly [Diagnostician, Diagnostician];
}

/** A healable issue starts a heal run at this priority (severity weight × jobs): a low-severity
 * issue once it recurs on three jobs, a medium one at once. */
const MIN_HEAL_PRIORITY = 3;
/** How often jobs verified under an older rule set version are scanned again. */
const SWEEP_INTERVAL_MS = 5 * 60_000;

export interface Verity {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Db;
  readonly app: FastifyInstance;
  readonly queue: SqlTableQueue;
  readonly jobs: JobRepository;
  readonly deliveries: DeliveryRepository;
  readonly ruleSets: RuleSetService;
  readonly ruleSetRepository: RuleSetRepository;
  readonly metrics: Metrics;
  readonly healRuns: HealRunRepository;
  readonly scanner: ScanService;
  readonly healer: HealRunner;
  /** The listening URL, when `http` is on. */
  readonly url: string | null;
  readonly keyFile: string | null;
  stop(): Promise<void>;
}

export async function startVerity(givenConfig: Config, options: VerityOptions = {}): Promise<Verity> {
  const path = sqlitePath(givenConfig.DATABASE_URL);
  const { config, keyFile } = withLocalKeys(givenConfig, path === ':memory:' ? './data' : dirname(path));
  const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL, logDir: config.LOG_DIR });
  const metrics = new Metrics();
  const db = await openDatabase(config.DATABASE_URL);
  const jobs = new JobRepository(db);
  const deliveries = new DeliveryRepository(db);
  const ruleSetRepository = new RuleSetRepository(db);
  const ruleSets = new RuleSetService(ruleSetRepository);
  await ruleSets.bootstrap(options.initialRuleSet);
  const queue = new SqlTableQueue(db, logger, { pollMs: options.queuePollMs ?? 250 });
  const intake = new IntakeService(db, jobs, queue, metrics, logger, {
    defaultWebhookUrl: config.SF_WEBHOOK_URL ?? null,
    allowedWebhookHosts: config.WEBHOOK_URL_ALLOWED_HOSTS,
  });

  const healRuns = new HealRunRepository(db);
  const changesLog = new ChangesLog(config.LOG_DIR);
  const escalations = new Escalations(healRuns, logger);
  const scanner = new ScanService(
    db,
    jobs,
    deliveries,
    healRuns,
    ruleSets,
    ruleSetRepository,
    queue,
    escalations,
    logger,
    {
      minPriority: MIN_HEAL_PRIORITY,
      delayMs: config.SELF_HEALING_DELAY_AFTER_WEBHOOK,
      correctionMaxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
    },
  );
  const healer = new HealRunner(
    db,
    jobs,
    healRuns,
    ruleSets,
    ruleSetRepository,
    queue,
    options.diagnosticians ?? chooseDiagnosticians(config),
    escalations,
    changesLog,
    logger,
    {
      maxAttempts: config.SELF_HEALING_MAX_ATTEMPTS,
      autoApproveLowRisk: config.SELF_HEALING_AUTO_APPROVE_LOW_RISK,
      consensusRequired: config.DUAL_AI_CONSENSUS_REQUIRED,
      minConfidence: config.DUAL_AI_MIN_CONFIDENCE,
      systemWideEnabled: config.SYSTEM_WIDE_FIX_ENABLED,
      regressionTestRequired: config.REGRESSION_TEST_REQUIRED,
      goldenSample: 200,
      finalSample: 2000,
      correctionMaxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
    },
  );

  let sweepTimer: NodeJS.Timeout | undefined;
  if (options.workers !== false) {
    const verify = new VerifyJobHandler(db, jobs, ruleSets, queue, metrics, logger, {
      deliveryMaxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
    });
    const deliver = new ResultDeliveryHandler(jobs, deliveries, queue, metrics, logger, {
      sfApiKey: config.SF_API_KEY,
      signingSecret: config.WEBHOOK_SIGNING_SECRET,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      selfHealingEnabled: config.SELF_HEALING_ENABLED,
      selfHealingDelayMs: config.SELF_HEALING_DELAY_AFTER_WEBHOOK,
    });
    queue.work(QUEUES.verify, verify.handle, { concurrency: config.VERIFY_CONCURRENCY });
    queue.work(QUEUES.deliverResult, deliver.handle, {
      concurrency: 4,
      retry: { baseDelayMs: config.WEBHOOK_RETRY_BASE_MS, maxDelayMs: 30 * 60_000 },
    });
    const corrections = new CorrectionSender(
      db,
      jobs,
      deliveries,
      healRuns,
      ruleSets,
      escalations,
      metrics,
      logger,
      {
        url: config.SF_WEBHOOK_URL,
        sfApiKey: config.SF_API_KEY,
        signingSecret: config.WEBHOOK_SIGNING_SECRET,
        timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      },
    );
    // One scan and one heal step at a time: runs activate rule set versions one after another.
    queue.work(QUEUES.selfHealingScan, scanner.handle, { concurrency: 1 });
    queue.work(QUEUES.healStep, healer.handle, { concurrency: 1 });
    queue.work(QUEUES.correction, corrections.handle, {
      concurrency: 4,
      retry: { baseDelayMs: config.WEBHOOK_RETRY_BASE_MS, maxDelayMs: 30 * 60_000 },
    });
    await queue.start();
    if (config.SELF_HEALING_ENABLED) {
      sweepTimer = setInterval(() => {
        scanner.sweep().catch((error: unknown) => logger.error({ err: error }, 'self-healing sweep failed'));
      }, SWEEP_INTERVAL_MS);
      sweepTimer.unref();
    }
  }

  const app = await buildHttpApp({
    config,
    logger,
    metrics,
    db,
    jobs,
    deliveries,
    queue,
    intake,
    plugins: [selfHealingRoutes({ config, runs: healRuns, scanner, healer, ruleSetRepository, changesLog })],
  });
  let url: string | null = null;
  if (options.http !== false) {
    try {
      url = await app.listen({ port: config.PORT, host: config.HOST });
    } catch (error) {
      // A busy port must not leave the workers running against the database with no API.
      clearInterval(sweepTimer);
      await app.close();
      await queue.stop();
      await db.destroy();
      throw new ListenError(config.HOST, config.PORT, error);
    }
    logger.info({ url, keyFile }, 'verity listening');
  } else {
    await app.ready();
  }

  return {
    config,
    logger,
    db,
    app,
    queue,
    jobs,
    deliveries,
    ruleSets,
    ruleSetRepository,
    metrics,
    healRuns,
    scanner,
    healer,
    url,
    keyFile,
    async stop() {
      clearInterval(sweepTimer);
      await app.close();
      await queue.stop();
      await db.destroy();
    },
  };
}
