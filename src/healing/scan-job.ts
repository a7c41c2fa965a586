import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { detectIssues, type JobFacts } from '../domain/issues/detect-issues.ts';
import { type Issue, priorityOf, SEVERITY_WEIGHT, type Severity } from '../domain/issues/issue.ts';
import { type VerificationResult, verifyRecord } from '../domain/verification/verify-record.ts';
import { seconds } from '../observability/logger.ts';
import { QUEUES } from '../pipeline/queues.ts';
import type { RuleSetService } from '../pipeline/rule-set-service.ts';
import { verificationSessionId } from '../pipeline/verify-job.ts';
import type { Queue } from '../queue/queue.ts';
import type { Db } from '../store/database.ts';
import type { DeliveryRepository } from '../store/delivery-repository.ts';
import type { HealRunRepository } from '../store/heal-run-repository.ts';
import type { JobRepository, JobRow } from '../store/job-repository.ts';
import type { RuleSetRepository } from '../store/rule-set-repository.ts';
import type { Escalations } from './escalation.ts';
import { resultChanges } from './send-correction.ts';

const WAITING_FOR_PEOPLE = new Set(['escalated', 'rejected', 'no_fix']);
const PEOPLE_ISSUES = new Set(['webhook_rejected', 'webhook_undeliverable', 'sf_save_error']);

export interface ScanOptions {
  /** A healable issue starts a heal run at this priority (severity weight × frequency) or above. */
  readonly minPriority: number;
  readonly delayMs: number;
  /** Delivery attempts of each correction (WEBHOOK_MAX_ATTEMPTS). */
  readonly correctionMaxAttempts: number;
}

export type ScanOutcome =
  | { readonly status: 'not_found' | 'not_verified' }
  | {
      readonly status: 'scanned';
      readonly issues: readonly Issue[];
      /** Runs started or joined, by signature. */
      readonly runs: readonly { signature: string; runId: string; joined: boolean }[];
      /** The active rule set already fixes the job: its correction was queued without diagnosis. */
      readonly correctedBy: string | null;
    };

/**
 * Phase 1: read a stored job, its delivery and Salesforce's word on it; record its issues (the
 * system-wide scan and every frequency are queries over these); if a rule set activated since
 * the job was verified already fixes it, queue its correction at once; otherwise start a heal
 * run per healable signature, or join the one already open. The scheduled scan, the manual
 * trigger and the sweep all come here.
 */
export class ScanService {
  constructor(
    private readonly db: Db,
    private readonly jobs: JobRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly runs: HealRunRepository,
    private readonly ruleSets: RuleSetService,
    private readonly ruleSetRepository: RuleSetRepository,
    private readonly queue: Queue,
    private readonly escalations: Escalations,
    private readonly logger: Logger,
    private readonly options: ScanOptions,
    private readonly now: () => Date = () => new Date(),
  ) {}

  readonly handle = async (queueJob: { payload: { jobId: string } }): Promise<void> => {
    this.logger.info(
      { jobId: queueJob.payload.jobId },
      `[Self-Healing] ${seconds(this.options.delayMs)}-second delay complete. Starting error scan...`,
    );
    await this.scan(queueJob.payload.jobId);
  };

  /**
   * The periodic sweep: jobs whose issues were recorded under an older rule set version than the
   * active one may be fixed now; scan them again (the scan sends their correction if so).
   */
  async sweep(limit = 500): Promise<number> {
    const active = await this.ruleSets.active();
    const rows = await this.db
      .selectFrom('job_issues')
      .select('job_id')
      .distinct()
      .where('rule_set_version', '<', active.version)
      .where('healable', '=', 1)
      .limit(limit)
      .execute();
    for (const { job_id } of rows) {
      await this.queue.enqueue(
        QUEUES.selfHealingScan,
        { jobId: job_id },
        { singletonKey: `scan:${job_id}`, maxAttempts: 5 },
      );
    }
    if (rows.length > 0)
      this.logger.info({ jobs: rows.length }, `[Self-Healing] Sweep: ${rows.length} job(s) to scan again`);
    return rows.length;
  }

  /** What the job's delivery and Salesforce's answers say; the same whichever result is judged. */
  private async deliveryFacts(job: JobRow): Promise<Omit<JobFacts, 'findings' | 'category'>> {
    const confirmations = await this.deliveries.confirmationsFor(job.id);
    const attempts = await this.deliveries.attemptsFor(job.id, 'result');
    const last = attempts.at(-1);
    return {
      webhook: {
        configured: job.webhook_url !== null,
        success: job.webhook_success === null ? null : job.webhook_success === 1,
        lastStatusCode: last?.status_code ?? null,
        lastError: last?.error ?? null,
      },
      confirmations: confirmations.map((row) => ({ status: row.status, errorMessage: row.error_message })),
      acknowledgementError: job.sf_error,
    };
  }

  async scan(jobId: string, force = false): Promise<ScanOutcome> {
    const job = await this.jobs.get(jobId);
    if (!job) return { status: 'not_found' };
    if (job.status !== 'completed' && job.status !== 'failed') return { status: 'not_verified' };
    const at = this.now().toISOString();
    const stored = job.result ? (JSON.parse(job.result) as VerificationResult) : null;
    const delivery = await this.deliveryFacts(job);
    let current = detectIssues({ ...delivery, ...resultFacts(stored) });
    const active = await this.ruleSets.active();

    // Fixed since? Re-verify under the active version: if the job's result improves and the
    // version came from a heal run, that run's correction covers this job too.
    let correctedBy: string | null = null;
    if (stored && job.rule_set_version !== null && job.rule_set_version < active.version) {
      const payload = JSON.parse(job.raw_payload) as Record<string, unknown>;
      const fresh = verifyRecord(payload, active, {
        receivedAt: job.received_at,
        sessionId: verificationSessionId(job.raw_payload, active.version),
      }).result;
      // Its issues are what the active version leaves; a correction is due if Salesforce's
      // values changed.
      current = detectIssues({ ...delivery, ...resultFacts(fresh) });
      if (resultChanges(job.id, stored, fresh).length > 0) {
        const version = await this.ruleSetRepository.get(active.version);
        correctedBy = version?.healRunId ?? null;
      }
    }

    const frequencies = await this.runs.frequencies(current.map((issue) => issue.signature));
    const ranked = current
      .map((issue) => ({ issue, priority: priorityOf(issue, (frequencies.get(issue.signature) ?? 0) + 1) }))
      .sort((a, b) => b.priority - a.priority);
    const started: { signature: string; runId: string; joined: boolean }[] = [];

    await this.db.transaction().execute(async (trx) => {
      await this.runs.recordIssues(job.id, current, active.version, at, trx);
      if (correctedBy) {
        await this.runs.addJobs(correctedBy, [job.id], at, trx);
        await this.queue.enqueue(
          QUEUES.correction,
          { runId: correctedBy, jobId: job.id },
          {
            singletonKey: `correction:${correctedBy}:${job.id}`,
            maxAttempts: this.options.correctionMaxAttempts,
            transaction: trx,
          },
        );
      }
      for (const { issue, priority } of ranked) {
        if (!issue.healable || priority < this.options.minPriority) continue;
        const open = await this.runs.openRunFor(issue.signature, trx);
        if (open) {
          await this.runs.addJobs(open.id, [job.id], at, trx);
          started.push({ signature: issue.signature, runId: open.id, joined: true });
          continue;
        }
        // A signature a person must look at (escalated, rejected, agreed unfixable) is not
        // diagnosed again by every scan, only once twice as many jobs carry it as when it was
        // last diagnosed (the evidence has doubled); the manual trigger forces a new run.
        const last = await this.runs.lastRunFor(issue.signature, trx);
        if (last && WAITING_FOR_PEOPLE.has(last.state) && !force) {
          const lastFrequency = last.priority / SEVERITY_WEIGHT[last.severity as Severity];
          if (priority / SEVERITY_WEIGHT[issue.severity] < 2 * lastFrequency) continue;
        }
        const runId = randomUUID();
        await this.runs.createRun(newRunRow(runId, job.id, issue, priority, at), trx);
        await this.runs.addJobs(runId, [job.id], at, trx);
        await this.queue.enqueue(
          QUEUES.healStep,
          { runId },
          { singletonKey: `heal-step:${runId}`, transaction: trx },
        );
        started.push({ signature: issue.signature, runId, joined: false });
      }
    });

    // Delivery and save failures need a person. A missing field is the unmapped keys' symptom and
    // a malformed source value is the source's: both are recorded (they count in frequencies and
    // show in the job's issues), not escalated one job at a time.
    const forPeople = current.filter((issue) => PEOPLE_ISSUES.has(issue.type));
    for (const issue of forPeople) {
      await this.escalations.raise({
        runId: null,
        jobId: job.id,
        reason: 'not_healable',
        detail: issue.summary,
        context: { signature: issue.signature, type: issue.type },
        at,
      });
    }
    const needing = started.length + (correctedBy ? 1 : 0);
    this.logger.info(
      { jobId: job.id, issues: current.length, runs: started, correctedBy },
      needing === 0
        ? `[Self-Healing] No issues requiring attention (${current.length} recorded)`
        : `[Self-Healing] Found ${needing} issue${needing === 1 ? '' : 's'} requiring attention`,
    );
    return { status: 'scanned', issues: current, runs: started, correctedBy };
  }
}

function resultFacts(result: VerificationResult | null): Pick<JobFacts, 'findings' | 'category'> {
  return {
    findings: result?.Verity_Findings ?? null,
    category: (result?.Primary_Attributes?.Category_Verified as string | undefined) ?? null,
  };
}

export function newRunRow(runId: string, jobId: string, issue: Issue, priority: number, at: string) {
  return {
    id: runId,
    job_id: jobId,
    signature: issue.signature,
    open_signature: issue.signature,
    issue_type: issue.type,
    issue: JSON.stringify(issue),
    severity: issue.severity,
    priority,
    state: 'detected',
    detected_at: at,
    diagnosis_timestamp: null,
    consensus_achieved: 0,
    openai_diagnosis: null,
    xai_diagnosis: null,
    consensus: null,
    selected_fix: null,
    system_wide_fixes: null,
    risk: null,
    attempts_taken: 0,
    attempts: '[]',
    staged_version: null,
    activated_version: null,
    approval: null,
    final_validation: null,
    final_approval: null,
    final_outcome: null,
    outcome_reason: null,
    sf_correction_sent: 0,
    false_positive: 0,
    usage: '[]',
    transcript: '[]',
    timings: '{}',
    completed_at: null,
    created_at: at,
    updated_at: at,
  };
}
