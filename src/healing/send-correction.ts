import type { Logger } from 'pino';
import { deliveryAttempt, deliveryResult } from '../delivery/delivery-attempt.ts';
import { signedPost } from '../delivery/signed-post.ts';
import type { VerificationResult } from '../domain/verification/verify-record.ts';
import { verifiedCategory, verifyRecord } from '../domain/verification/verify-record.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { RuleSetService } from '../pipeline/rule-set-service.ts';
import { verificationSessionId } from '../pipeline/verify-job.ts';
import { type QueueJob, RetryLaterError } from '../queue/queue.ts';
import type { Db } from '../store/database.ts';
import type { DeliveryRepository } from '../store/delivery-repository.ts';
import type { HealRunRepository, HealRunRow } from '../store/heal-run-repository.ts';
import type { JobRepository, JobRow } from '../store/job-repository.ts';
import type { Escalations } from './escalation.ts';
import type { JobComparison } from './fix-trial.ts';
import type { AttemptRecord, SelectedFix } from './heal-run.ts';

export interface CorrectionOptions {
  readonly url: string | undefined;
  readonly sfApiKey: string | undefined;
  readonly signingSecret: string | undefined;
  readonly timeoutMs: number;
}

/**
 * Phase 5's last step for one affected job: re-verify it with the activated version, store the
 * new result, and send Salesforce the correction (PEER-CONTRACT §6, every value true: real
 * before/after per changed field, the fix as rule-set ops, real confidences and counts), signed,
 * with an idempotency key, retried with backoff by the queue. A job whose result did not change
 * gets no correction; a job already corrected is never sent again.
 */
export class CorrectionSender {
  constructor(
    private readonly db: Db,
    private readonly jobs: JobRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly runs: HealRunRepository,
    private readonly ruleSets: RuleSetService,
    private readonly escalations: Escalations,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly options: CorrectionOptions,
    private readonly now: () => Date = () => new Date(),
  ) {}

  readonly handle = async (queueJob: QueueJob<{ runId: string; jobId: string }>): Promise<void> => {
    const { runId, jobId } = queueJob.payload;
    const member = await this.runs.runJob(runId, jobId);
    if (!member || !['pending', 'sending'].includes(member.correction_status)) return;
    const run = await this.runs.get(runId);
    const job = await this.jobs.get(jobId);
    if (!run || !job || run.activated_version === null) return;
    const version = run.activated_version;

    // Re-verify once: the new result and the changes are stored before anything is sent, so a
    // retry after a crash sends the same correction (same idempotency key), never a second one.
    let body = member.correction_body;
    if (member.correction_status === 'pending' || body === null) {
      const reverified = await this.reverify(job, version);
      if (reverified === null) {
        await this.settle(run, jobId, { correction_status: 'unchanged' });
        return;
      }
      const { changes } = reverified;
      const prepared = this.now();
      const at = prepared.toISOString();
      body = JSON.stringify(correctionBody(run, job, changes, version, prepared));
      await this.db.transaction().execute(async (trx) => {
        await this.jobs.replaceResult(
          job.id,
          {
            result: JSON.stringify(reverified.result),
            ruleSetVersion: version,
            category: verifiedCategory(reverified.result),
          },
          at,
          trx,
        );
        await this.runs.updateRunJob(
          runId,
          jobId,
          {
            correction_status: 'sending',
            before_version: job.rule_set_version,
            after_version: version,
            changes: JSON.stringify(changes),
            correction_body: body,
            updated_at: at,
          },
          trx,
        );
      });
    }

    if (!this.options.url) {
      this.logger.warn(
        { runId, jobId },
        '[Self-Healing] SF_WEBHOOK_URL is not set: correction kept for polling, not sent',
      );
      await this.settle(run, jobId, { correction_status: 'not_sent' });
      return;
    }
    const outcome = await signedPost({
      url: this.options.url,
      body,
      headers: {
        ...(this.options.sfApiKey ? { 'X-API-Key': this.options.sfApiKey } : {}),
        'X-Correction-Type': 'self-healing',
        'Idempotency-Key': `${jobId}:correction:${version}`,
        'X-Job-Id': jobId,
        'X-Heal-Run-Id': runId,
        'X-Delivery-Attempt': String(queueJob.attempt),
      },
      signingSecret: this.options.signingSecret,
      timeoutMs: this.options.timeoutMs,
    });
    const at = this.now().toISOString();
    await this.deliveries.recordAttempt(
      deliveryAttempt({
        jobId,
        kind: 'correction',
        deliveryId: queueJob.id,
        attempt: queueJob.attempt,
        url: this.options.url,
        outcome,
        at,
      }),
    );
    const final = outcome.ok || queueJob.attempt >= queueJob.maxAttempts;
    this.metrics.deliveries.inc({ kind: 'correction', result: deliveryResult(outcome.ok, final) });
    if (outcome.ok) {
      // Salesforce's 2xx answer is its acknowledgement; the acknowledge endpoint can add to it.
      await this.settle(run, jobId, {
        correction_status: 'acknowledged',
        correction_attempts: queueJob.attempt,
        sf_response: JSON.stringify({
          status: outcome.statusCode,
          body: outcome.responseBody.slice(0, 500),
          at,
        }),
      });
      return;
    }
    if (final) {
      await this.settle(run, jobId, {
        correction_status: 'failed',
        correction_attempts: queueJob.attempt,
        sf_response: JSON.stringify({ status: outcome.statusCode, error: outcome.error, at }),
      });
      await this.escalations.raise({
        runId,
        jobId,
        reason: 'sf_no_ack',
        detail: `${queueJob.attempt} attempts; last: ${outcome.error ?? `HTTP ${outcome.statusCode}`}`,
        context: { url: this.options.url, version },
        at,
      });
      return;
    }
    await this.runs.updateRunJob(runId, jobId, { correction_attempts: queueJob.attempt, updated_at: at });
    if (outcome.retryAfterMs !== null)
      throw new RetryLaterError(outcome.error ?? 'retry', outcome.retryAfterMs);
    throw new Error(outcome.error ?? 'correction delivery failed');
  };

  /** The job under the activated version, or null when nothing Salesforce sees changed. */
  private async reverify(
    job: JobRow,
    version: number,
  ): Promise<{ result: VerificationResult; changes: JobComparison['changes'] } | null> {
    // Already at this version or a newer one (a later run's correction came first): that result
    // includes this fix, and going back to an older version would undo the later one.
    if (!job.result || (job.rule_set_version !== null && job.rule_set_version >= version)) return null;
    const before = JSON.parse(job.result) as VerificationResult;
    const compiled = await this.ruleSets.version(version);
    const result = verifyRecord(JSON.parse(job.raw_payload) as Record<string, unknown>, compiled, {
      receivedAt: job.received_at,
      sessionId: verificationSessionId(job.raw_payload, version),
    }).result;
    const changes = resultChanges(job.id, before, result);
    return changes.length === 0 ? null : { result, changes };
  }

  /** Record the job's end state; the last one closes the run. */
  private async settle(
    run: HealRunRow,
    jobId: string,
    update: Parameters<HealRunRepository['updateRunJob']>[2],
  ): Promise<void> {
    const at = this.now().toISOString();
    await this.runs.updateRunJob(run.id, jobId, { ...update, updated_at: at });
    if (update.correction_status === 'acknowledged')
      await this.runs.update(run.id, { sf_correction_sent: 1 });
    if ((await this.runs.pendingCorrections(run.id)) > 0) return;
    const members = await this.runs.runJobs(run.id);
    const count = (status: string) => members.filter((member) => member.correction_status === status).length;
    const sent = count('acknowledged');
    // The fix is active either way; a correction Salesforce never accepted was escalated, and the
    // run's outcome says so.
    const moved = await this.runs.transition(run.id, 'correcting', {
      state: 'completed',
      final_outcome: count('failed') > 0 ? 'escalated' : 'success',
      outcome_reason: `${sent} correction(s) acknowledged, ${count('unchanged')} job(s) unchanged, ${count('failed')} failed, ${count('not_sent')} not sent`,
      completed_at: at,
      updated_at: at,
    });
    if (moved) {
      this.logger.info(
        { runId: run.id, corrections: sent },
        sent > 0
          ? '[Self-Healing] ✅ Comprehensive correction sent to Salesforce successfully!'
          : '[Self-Healing] Heal run complete; no correction was needed',
      );
    }
  }
}

/**
 * Not compared: verity's own bookkeeping sections, and what differs under every new version by
 * construction (the version itself is in the correction's `ruleSetVersion`).
 */
const OWN_SECTIONS = new Set(['Verity_Provenance', 'Verity_Findings', 'Verity_Rule_Set_Version']);
const BY_CONSTRUCTION = new Set(['Verification.verification_session_id']);

/**
 * Every value Salesforce stores that differs between two results: members of the object
 * sections (`Primary_Attributes.MSRP_Verified`, `Verification.verification_score`), and whole
 * values otherwise (`Additional_Attributes_HTML`).
 */
export function resultChanges(
  jobId: string,
  before: VerificationResult,
  after: VerificationResult,
): JobComparison['changes'] {
  const changes: JobComparison['changes'][number][] = [];
  const sourcesOf = (path: string) =>
    (after.Verity_Provenance[path]?.sources ?? []).map((source) => source.path);
  const record = (path: string, old: unknown, now: unknown) => {
    if (!BY_CONSTRUCTION.has(path) && JSON.stringify(old ?? null) !== JSON.stringify(now ?? null)) {
      changes.push({ jobId, path, before: old ?? null, after: now ?? null, sources: sourcesOf(path) });
    }
  };
  const isSection = (value: unknown): value is Record<string, unknown> =>
    value !== null && typeof value === 'object' && !Array.isArray(value);
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
    (key) => !OWN_SECTIONS.has(key),
  );
  for (const key of keys.sort()) {
    const old = before[key];
    const now = after[key];
    if (isSection(old) && isSection(now)) {
      for (const member of [...new Set([...Object.keys(old), ...Object.keys(now)])].sort()) {
        record(`${key}.${member}`, old[member], now[member]);
      }
    } else {
      record(key, old, now);
    }
  }
  return changes;
}

/** The correction body: PEER-CONTRACT §6's shape with true values. */
export function correctionBody(
  run: HealRunRow,
  job: JobRow,
  changes: JobComparison['changes'],
  version: number,
  now: Date,
): Record<string, unknown> {
  const selected = JSON.parse(run.selected_fix ?? 'null') as SelectedFix | null;
  const attempts = JSON.parse(run.attempts) as AttemptRecord[];
  const last = attempts.at(-1);
  const finalApproval = JSON.parse(run.final_approval ?? '[]') as {
    diagnostician: string;
    approved: boolean;
    confidence: number;
  }[];
  const validation = JSON.parse(run.final_validation ?? '{}') as {
    jobsChecked?: number;
    regressionCount?: number;
  };
  const diagnosticians = finalApproval.map((entry) => entry.diagnostician);
  const corrections: Record<string, unknown> = {};
  // The pair's confidence in the fix as a whole: the lower of their two final approvals.
  const confidence =
    finalApproval.length > 0 ? Math.min(...finalApproval.map((entry) => entry.confidence)) : null;
  for (const change of changes) {
    corrections[change.path] = {
      old: change.before,
      new: change.after,
      confidence,
      verifiedBy: diagnosticians,
      sources: change.sources,
    };
  }
  const approval = (index: number) => ({
    approved: finalApproval[index]?.approved ?? false,
    confidence: finalApproval[index]?.confidence ?? 0,
    diagnostician: finalApproval[index]?.diagnostician ?? null,
  });
  return {
    correctionType: 'dual-ai-self-healing',
    originalJobId: job.id,
    sfCatalogId: job.sf_catalog_id,
    healRunId: run.id,
    issue: run.signature,
    attemptsTaken: run.attempts_taken,
    ruleSetVersion: { before: job.rule_set_version, after: version },
    corrections,
    primaryFix: {
      type: selected?.fixOps[0]?.op ?? 'rule_set_change',
      details: JSON.stringify(selected?.fixOps ?? []),
      file: `rule-set v${version}`,
    },
    systemWideFixes: (selected?.systemWideOps ?? []).map((op) => ({
      type: 'system_wide_prevention',
      details: JSON.stringify(op),
      filesModified: [`rule-set v${version}`],
    })),
    validationResults: {
      openaiApproval: approval(0),
      xaiApproval: approval(1),
      systemTestsPassed: last?.success ?? false,
      regressionTestsPassed: (validation.regressionCount ?? 0) === 0,
      jobsChecked: validation.jobsChecked ?? last?.jobsChecked ?? 0,
      regressions: validation.regressionCount ?? 0,
    },
    timestamp: now.toISOString(),
  };
}
