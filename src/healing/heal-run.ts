import { type SelectQueryBuilder, sql } from 'kysely';
import type { Logger } from 'pino';
import {
  type AttemptOutcome,
  type ContextPack,
  type Diagnosis,
  type Diagnostician,
  diagnosisSchema,
  type FinalApproval,
  finalApprovalSchema,
  type OutcomeReview,
  outcomeReviewSchema,
  type Review,
  reviewSchema,
} from '../diagnosticians/diagnostician.ts';
import { type Issue, signaturePart } from '../domain/issues/issue.ts';
import { describeFixOp } from '../domain/rule-set/apply-fix-ops.ts';
import { describeChange, diffRuleSets } from '../domain/rule-set/diff-rule-sets.ts';
import { type FixOp, riskOf } from '../domain/rule-set/fix-ops.ts';
import type { RuleSet } from '../domain/rule-set/rule-set-schema.ts';
import { normaliseKey } from '../domain/verification/normalise.ts';
import type { VerificationResult } from '../domain/verification/verify-record.ts';
import { QUEUES } from '../pipeline/queues.ts';
import type { RuleSetService } from '../pipeline/rule-set-service.ts';
import type { Queue } from '../queue/queue.ts';
import type { Db } from '../store/database.ts';
import type { HealRunRepository, HealRunRow, HealRunUpdate } from '../store/heal-run-repository.ts';
import type { JobRepository } from '../store/job-repository.ts';
import type { RuleSetRepository } from '../store/rule-set-repository.ts';
import type { Database } from '../store/schema.ts';
import { appendCalls } from './call-log.ts';
import { type ConsensusResult, decideConsensus, endorsementBy, sameProposal } from './consensus.ts';
import { buildContextPack, type StoredSamples, storedSamples } from './context-pack.ts';
import type { ChangesLog, EscalationReason, Escalations } from './escalation.ts';
import {
  contradicted,
  describeContradictions,
  regressionGate,
  signaturesOf,
  stageFix,
  type TrialJob,
  targetFields,
  trialFix,
  verify,
} from './fix-trial.ts';

/**
 * A heal run is a persisted state machine; each state is one durable `heal-step` job that
 * does its work, then writes the next state and queues the next step in one transaction. A
 * crash replays the step it interrupted (diagnosticians are asked again; staging is keyed by
 * checksum, so nothing is staged twice), never a step that committed.
 *
 *   detected ─▶ attempting ⟲ (improve) ─▶ awaiting_approval ─(person)─▶ final_validation
 *                    │                        └─(low risk + auto)──────▶ final_validation
 *                    ▼                                                      ▼
 *   no_fix | superseded | escalated | rejected ◀──────────────────── activating ─▶ correcting ─▶ completed
 */

export const HEAL_STATES = [
  'detected',
  'attempting',
  'awaiting_approval',
  'final_validation',
  'activating',
  'correcting',
  'completed',
  'no_fix',
  'superseded',
  'escalated',
  'rejected',
] as const;
export type HealState = (typeof HEAL_STATES)[number];

export const TERMINAL_STATES: ReadonlySet<string> = new Set([
  'completed',
  'no_fix',
  'superseded',
  'escalated',
  'rejected',
]);

export interface HealRunOptions {
  readonly maxAttempts: number;
  readonly autoApproveLowRisk: boolean;
  readonly consensusRequired: boolean;
  readonly minConfidence: number;
  readonly systemWideEnabled: boolean;
  readonly regressionTestRequired: boolean;
  /** Stored jobs the regression gate re-verifies at each attempt. */
  readonly goldenSample: number;
  /** Stored jobs the final validation re-verifies. */
  readonly finalSample: number;
  /** Delivery attempts of each correction (WEBHOOK_MAX_ATTEMPTS). */
  readonly correctionMaxAttempts: number;
}

/** What `selected_fix` holds between steps. */
export interface SelectedFix {
  readonly seat: 'a' | 'b';
  readonly diagnosis: Diagnosis;
  readonly fixOps: readonly FixOp[];
  readonly systemWideOps: readonly FixOp[];
  readonly confidence: number;
  readonly confidences: { readonly a: number; readonly b: number };
}

export interface AttemptRecord {
  readonly attemptNumber: number;
  readonly ops: readonly string[];
  readonly signatureGone: boolean;
  readonly regressions: number;
  readonly changes: number;
  readonly jobsChecked: number;
  readonly problems: readonly string[];
  /** The seed's names: the first seat's and the second seat's approval. */
  readonly openaiApproval: boolean;
  readonly xaiApproval: boolean;
  readonly approvals: readonly {
    diagnostician: string;
    approved: boolean;
    confidence: number;
    concerns: readonly string[];
  }[];
  readonly stagedVersion: number | null;
  readonly success: boolean;
  readonly timestamp: string;
}

class DiagnosticianUnavailable extends Error {
  constructor(
    readonly diagnostician: string,
    cause: unknown,
  ) {
    super(`${diagnostician}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

const json = (value: unknown) => JSON.stringify(value);
const SAMPLES_TTL_MS = 60_000;
/** Above this many completed jobs, the stored samples are a settled picture of the store. */
const YOUNG_STORE_JOBS = 1_000;

export class HealRunner {
  private readonly a: Diagnostician;
  private readonly b: Diagnostician;
  private samplesCache: { at: number; completed: number; samples: StoredSamples } | null = null;

  constructor(
    private readonly db: Db,
    private readonly jobs: JobRepository,
    private readonly runs: HealRunRepository,
    private readonly ruleSets: RuleSetService,
    private readonly ruleSetRepository: RuleSetRepository,
    private readonly queue: Queue,
    pair: readonly [Diagnostician, Diagnostician],
    private readonly escalations: Escalations,
    private readonly changesLog: ChangesLog,
    private readonly logger: Logger,
    private readonly options: HealRunOptions,
    private readonly now: () => Date = () => new Date(),
  ) {
    [this.a, this.b] = pair;
  }

  readonly handle = async (queueJob: { payload: { runId: string } }): Promise<void> => {
    await this.step(queueJob.payload.runId);
  };

  /** Run the step of the run's current state; states that wait (or are over) do nothing. */
  async step(runId: string): Promise<void> {
    const run = await this.runs.get(runId);
    if (!run) return;
    const started = Date.now();
    try {
      // Another run's fix may have landed meanwhile: a run whose issue the active rule set no
      // longer shows on its job stops here, before diagnosing, staging or activating anything.
      const working = ['detected', 'attempting', 'final_validation', 'activating'].includes(run.state);
      if (working && (await this.supersede(run))) return;
      switch (run.state as HealState) {
        case 'detected':
          await this.diagnose(run);
          break;
        case 'attempting':
          await this.attempt(run);
          break;
        case 'final_validation':
          await this.finalValidation(run);
          break;
        case 'activating':
          await this.activate(run);
          break;
        default:
          return;
      }
    } catch (error) {
      if (!(error instanceof DiagnosticianUnavailable)) {
        await this.recordCalls(runId, run.state);
        throw error;
      }
      await this.finish(run, run.state, 'escalated', 'escalated', 'diagnostician_unavailable', error.message);
    }
    await this.recordCalls(runId, run.state);
    await this.addTiming(runId, run.state, Date.now() - started);
  }

  /**
   * The provider calls of this step (tokens, cost, prompts, raw answers) onto the run. Heal steps
   * run one at a time, so the calls a diagnostician made since the last take are this step's.
   */
  private async recordCalls(runId: string, state: string): Promise<void> {
    const calls = [this.a, this.b].flatMap((who) => who.takeCalls?.() ?? []);
    const run = calls.length > 0 ? await this.runs.get(runId) : undefined;
    if (run) await this.runs.update(runId, appendCalls(run, calls, state));
  }

  // ── Phase 2 ────────────────────────────────────────────────────────────────────────────────

  private async diagnose(run: HealRunRow): Promise<void> {
    const issue = JSON.parse(run.issue) as Issue;
    const pack = await this.pack(issue);
    this.logger.info(
      { runId: run.id, signature: run.signature },
      '[Self-Healing] Starting dual-AI diagnosis...',
    );
    const [a, b] = await this.both([
      this.ask(this.a, () => this.a.diagnose(pack), diagnosisSchema),
      this.ask(this.b, () => this.b.diagnose(pack), diagnosisSchema),
    ]);
    this.logger.info(
      { runId: run.id },
      `[Self-Healing] Dual analysis complete - ${this.a.name}: ${a.confidence}% confidence, ${this.b.name}: ${b.confidence}% confidence`,
    );
    const decision = await this.crossReview(pack, a, b);
    if (decision.reviews.skipped) {
      this.logger.info(
        { runId: run.id },
        '[Self-Healing] Cross-review skipped: both diagnosticians proposed the same fix independently',
      );
    }
    const at = this.now().toISOString();
    const update: HealRunUpdate = {
      diagnosis_timestamp: at,
      openai_diagnosis: json({ diagnostician: this.a.name, ...a }),
      xai_diagnosis: json({ diagnostician: this.b.name, ...b }),
    };
    await this.afterConsensus(run, 'detected', decision.result, { a, b }, decision.reviews, update, 0);
  }

  private async crossReview(
    pack: ContextPack,
    a: Diagnosis,
    b: Diagnosis,
  ): Promise<{ result: ConsensusResult; reviews: { ofA: Review; ofB: Review; skipped?: string } }> {
    const independent = sameProposal(a, b);
    const [ofA, ofB] = independent
      ? [endorsementBy(b), endorsementBy(a)]
      : await this.both([
          this.ask(this.b, () => this.b.review(pack, a), reviewSchema),
          this.ask(this.a, () => this.a.review(pack, b), reviewSchema),
        ]);
    const result = decideConsensus({
      a,
      b,
      reviewOfA: ofA,
      reviewOfB: ofB,
      minConfidence: this.options.minConfidence,
      required: this.options.consensusRequired,
      systemWideEnabled: this.options.systemWideEnabled,
      observedKeys: await this.observedKeys([
        ...a.fixOps,
        ...a.systemWideOps,
        ...b.fixOps,
        ...b.systemWideOps,
      ]),
    });
    const skipped =
      'not asked: both proposed the same fix independently, each diagnosis is its review of the other';
    return { result, reviews: independent ? { ofA, ofB, skipped } : { ofA, ofB } };
  }

  /** Normalised alias keys of these ops that some stored job has carried as an unmapped key. */
  private async observedKeys(ops: readonly FixOp[]): Promise<Set<string>> {
    const observed = new Set<string>();
    for (const op of ops) {
      if (op.op !== 'add_alias') continue;
      const key = normaliseKey(op.key);
      const row = await this.db
        .selectFrom('job_issues')
        .select('job_id')
        .where('issue_type', '=', 'unmapped_key')
        // `_` is a LIKE wildcard and signatures are snake-case: escape it to match exactly.
        .where(
          sql<boolean>`signature like ${`unmapped_key:%:${signaturePart(key).replaceAll('_', '\\_')}`} escape '\\'`,
        )
        .limit(1)
        .executeTakeFirst();
      if (row) observed.add(key);
    }
    return observed;
  }

  private async afterConsensus(
    run: HealRunRow,
    from: HealState,
    decision: ConsensusResult,
    diagnoses: { a: Diagnosis; b: Diagnosis },
    reviews: { ofA: Review; ofB: Review; skipped?: string },
    update: HealRunUpdate,
    attemptsTaken: number,
  ): Promise<void> {
    const consensus = json({
      // After a failed attempt the consensus is over the improved diagnoses, not over the first
      // ones stored in openai_diagnosis / xai_diagnosis: the record carries them.
      ...(attemptsTaken > 0
        ? { improvedAfterAttempt: attemptsTaken, diagnoses: { a: diagnoses.a, b: diagnoses.b } }
        : {}),
      reviewOfA: reviews.ofA,
      reviewOfB: reviews.ofB,
      ...(reviews.skipped ? { crossReview: reviews.skipped } : {}),
      decision,
    });
    if (decision.status === 'no_consensus') {
      this.logger.warn(
        { runId: run.id, reason: decision.reason },
        '[Self-Healing] ❌ No consensus between diagnosticians',
      );
      await this.finish(run, from, 'escalated', 'escalated', 'no_consensus', decision.reason, {
        ...update,
        consensus,
        consensus_achieved: 0,
        attempts_taken: attemptsTaken,
      });
      return;
    }
    if (decision.status === 'no_fix_agreed') {
      this.logger.info(
        { runId: run.id, reason: decision.reason },
        '[Self-Healing] Both diagnosticians agree no rule-set fix is right',
      );
      await this.finish(run, from, 'no_fix', 'no_fix', null, decision.reason, {
        ...update,
        consensus,
        consensus_achieved: 1,
        attempts_taken: attemptsTaken,
      });
      return;
    }
    this.logger.info(
      { runId: run.id },
      `[Self-Healing] Consensus achieved with ${Math.round(decision.confidence)}% confidence`,
    );
    const codeChanges = [...decision.fixOps, ...decision.systemWideOps].filter(
      (op) => op.op === 'code_change',
    );
    if (codeChanges.length > 0) {
      // A described code change is for a person to make; no attempt can stage it.
      await this.finish(
        run,
        from,
        'escalated',
        'escalated',
        'high_risk_fix',
        `the agreed fix is a code change: ${codeChanges.map(describeFixOp).join('; ')}`,
        { ...update, consensus, consensus_achieved: 1, attempts_taken: attemptsTaken },
      );
      return;
    }
    const selected: SelectedFix = {
      seat: decision.seat,
      diagnosis: decision.seat === 'a' ? diagnoses.a : diagnoses.b,
      fixOps: decision.fixOps,
      systemWideOps: decision.systemWideOps,
      confidence: decision.confidence,
      confidences: decision.confidences,
    };
    await this.moveOn(run, from, 'attempting', {
      ...update,
      consensus,
      consensus_achieved: 1,
      selected_fix: json(selected),
      system_wide_fixes: json(decision.systemWideOps),
      risk: riskOf([...decision.fixOps, ...decision.systemWideOps]),
      attempts_taken: attemptsTaken,
    });
  }

  // ── Phases 3 and 4 ─────────────────────────────────────────────────────────────────────────

  private async attempt(run: HealRunRow): Promise<void> {
    const issue = JSON.parse(run.issue) as Issue;
    const selected = JSON.parse(run.selected_fix ?? 'null') as SelectedFix;
    const ops = [...selected.fixOps, ...selected.systemWideOps];
    const attemptNumber = run.attempts_taken + 1;
    const max = this.options.maxAttempts;
    if (attemptNumber === 1) {
      this.logger.info(
        { runId: run.id, ops: ops.map(describeFixOp) },
        `[Self-Healing] Applying comprehensive fix (primary + ${selected.systemWideOps.length} system-wide fixes)...`,
      );
    }
    this.logger.info({ runId: run.id }, `[Self-Healing] Attempt ${attemptNumber}/${max}: Applying fix...`);
    const active = await this.activeRules();
    const original = await this.trialJob(run.job_id, active.version);
    const golden = await this.sampleJobs(this.options.goldenSample, active.version);
    const trial = trialFix({
      active: { rules: active.rules, compiled: active.compiled },
      ops,
      stagedVersion: active.version + 1,
      signature: run.signature,
      original: original,
      golden,
    });
    const pack = await this.pack(issue);
    const at = this.now().toISOString();
    let record: AttemptRecord;
    let reviews: (Review | OutcomeReview)[];
    if (trial.status === 'rejected') {
      reviews = [{ agrees: false, confidence: 100, concerns: [...trial.problems], suggestions: [] }];
      record = {
        attemptNumber,
        ops: ops.map(describeFixOp),
        signatureGone: false,
        regressions: 0,
        changes: 0,
        jobsChecked: 0,
        problems: trial.problems,
        openaiApproval: false,
        xaiApproval: false,
        approvals: [],
        stagedVersion: null,
        success: false,
        timestamp: at,
      };
    } else {
      const outcome: AttemptOutcome = {
        ...trial.outcome,
        regressions: [...trial.outcome.regressions, ...trial.gate.regressions],
        changes: [...trial.outcome.changes, ...trial.gate.changes.slice(0, 50)],
      };
      const [ra, rb] = await this.both([
        this.ask(this.a, () => this.a.reviewOutcome(pack, outcome), outcomeReviewSchema),
        this.ask(this.b, () => this.b.reviewOutcome(pack, outcome), outcomeReviewSchema),
      ]);
      this.logger.info(
        { runId: run.id, signatureGone: outcome.signatureGone, regressions: outcome.regressions.length },
        `[Self-Healing] ${this.a.name} approval: ${ra.approved} (${ra.confidence}%), ${this.b.name} approval: ${rb.approved} (${rb.confidence}%)`,
      );
      const proven = outcome.signatureGone && outcome.regressions.length === 0 && !contradicted(trial.gate);
      const success = proven && ra.approved && rb.approved;
      const problems = [
        ...(outcome.signatureGone ? [] : [`the issue ${run.signature} is still there after the fix`]),
        ...outcome.regressions
          .slice(0, 10)
          .map((r) => `regression on ${r.jobId}: ${r.path} ${json(r.before)} → ${json(r.after)}`),
        ...(contradicted(trial.gate) ? [describeContradictions(trial.gate)] : []),
      ];
      const stagedVersion = success ? await this.stage(run, active.version, trial.rules, ops) : null;
      reviews = [ra, rb];
      record = {
        attemptNumber,
        ops: ops.map(describeFixOp),
        signatureGone: outcome.signatureGone,
        regressions: outcome.regressions.length,
        changes: outcome.changes.length,
        jobsChecked: trial.gate.jobsChecked + 1,
        problems,
        openaiApproval: ra.approved,
        xaiApproval: rb.approved,
        approvals: [
          {
            diagnostician: this.a.name,
            approved: ra.approved,
            confidence: ra.confidence,
            concerns: ra.concerns,
          },
          {
            diagnostician: this.b.name,
            approved: rb.approved,
            confidence: rb.confidence,
            concerns: rb.concerns,
          },
        ],
        stagedVersion,
        success,
        timestamp: at,
      };
    }
    const attempts = [...(JSON.parse(run.attempts) as AttemptRecord[]), record];
    const update: HealRunUpdate = { attempts: json(attempts), attempts_taken: attemptNumber };

    if (record.success) {
      this.logger.info(
        { runId: run.id, stagedVersion: record.stagedVersion },
        '[Self-Healing] ✅ SUCCESS! Both diagnosticians approved the fix',
      );
      await this.approvalGate(run, { ...update, staged_version: record.stagedVersion }, riskOf(ops), ops);
      return;
    }
    this.logger.warn(
      { runId: run.id, problems: record.problems },
      `[Self-Healing] Attempt ${attemptNumber}/${max} failed`,
    );
    if (attemptNumber >= max) {
      await this.finish(
        run,
        'attempting',
        'escalated',
        'escalated',
        'attempts_exhausted',
        `${max} attempts; last: ${record.problems.join('; ') || 'not approved'}`,
        update,
      );
      return;
    }
    // Improve: both diagnosticians see every review of the failed fix, then agree again.
    const [ia, ib] = await this.both([
      this.ask(this.a, () => this.a.improve(pack, selected.diagnosis, reviews), diagnosisSchema),
      this.ask(this.b, () => this.b.improve(pack, selected.diagnosis, reviews), diagnosisSchema),
    ]);
    const decision = await this.crossReview(pack, ia, ib);
    await this.afterConsensus(
      run,
      'attempting',
      decision.result,
      { a: ia, b: ib },
      decision.reviews,
      update,
      attemptNumber,
    );
  }

  /** Store the staged document as an immutable, inactive version (once per run and content). */
  private async stage(
    run: HealRunRow,
    parent: number,
    rules: RuleSet,
    ops: readonly FixOp[],
  ): Promise<number> {
    const existing = await this.db
      .selectFrom('rule_set_versions')
      .select(['version', 'document'])
      .where('heal_run_id', '=', run.id)
      .where('parent_version', '=', parent)
      .execute();
    const text = json(rules);
    const same = existing.find((row) => row.document === text);
    if (same) return same.version;
    const created = await this.ruleSetRepository.create({
      parentVersion: parent,
      document: rules,
      createdBy: 'self-healing',
      note: `heal run ${run.id}: ${run.signature}`,
      healRunId: run.id,
      fixOps: ops,
      at: this.now().toISOString(),
    });
    return created.version;
  }

  private async approvalGate(
    run: HealRunRow,
    update: HealRunUpdate,
    risk: string,
    ops: readonly FixOp[],
  ): Promise<void> {
    const at = this.now().toISOString();
    if (risk === 'low' && this.options.autoApproveLowRisk) {
      await this.moveOn(run, 'attempting', 'final_validation', {
        ...update,
        approval: json({
          by: 'auto',
          decision: 'approved',
          reason: 'low risk, SELF_HEALING_AUTO_APPROVE_LOW_RISK=true',
          at,
        }),
      });
      return;
    }
    await this.runs.transition(run.id, 'attempting', {
      ...update,
      state: 'awaiting_approval',
      updated_at: at,
    });
    if (risk === 'high') {
      await this.escalations.raise({
        runId: run.id,
        jobId: run.job_id,
        reason: 'high_risk_fix',
        detail: ops.map(describeFixOp).join('; '),
        context: { signature: run.signature, ops },
        at,
      });
    }
    this.logger.info({ runId: run.id, risk }, `[Self-Healing] Fix (${risk} risk) is waiting for approval`);
  }

  /** A person approves or rejects a run that waits (admin API). */
  async decide(
    runId: string,
    decision: { approved: boolean; by: string; reason: string },
  ): Promise<HealRunRow | null> {
    const at = this.now().toISOString();
    const approval = json({
      by: decision.by,
      decision: decision.approved ? 'approved' : 'rejected',
      reason: decision.reason,
      at,
    });
    const run = await this.runs.get(runId);
    if (run?.state !== 'awaiting_approval') return null;
    if (decision.approved) {
      await this.moveOn(run, 'awaiting_approval', 'final_validation', { approval });
    } else {
      await this.finish(
        run,
        'awaiting_approval',
        'rejected',
        'failed',
        null,
        `rejected by ${decision.by}: ${decision.reason}`,
        { approval },
      );
    }
    return (await this.runs.get(runId)) ?? null;
  }

  // ── Phase 5 ────────────────────────────────────────────────────────────────────────────────

  private async finalValidation(run: HealRunRow): Promise<void> {
    const selected = JSON.parse(run.selected_fix ?? 'null') as SelectedFix;
    const ops = [...selected.fixOps, ...selected.systemWideOps];
    const active = await this.activeRules();
    let stagedVersion = run.staged_version ?? 0;
    let stagedRecord = await this.ruleSetRepository.get(stagedVersion);
    // Another run activated since this fix was staged: stage it again on the current version.
    if (!stagedRecord || stagedRecord.parentVersion !== active.version) {
      const restaged = stageFix(active.rules, ops, active.version + 1);
      if (restaged.status === 'rejected') {
        await this.finish(
          run,
          'final_validation',
          'escalated',
          'escalated',
          'final_approval_rejected',
          `the fix no longer applies: ${restaged.problems.join('; ')}`,
        );
        return;
      }
      stagedVersion = await this.stage(run, active.version, restaged.rules, ops);
      stagedRecord = await this.ruleSetRepository.get(stagedVersion);
    }
    const staged = await this.ruleSets.version(stagedVersion);
    this.logger.info({ runId: run.id }, '[Self-Healing] Running final system-wide validation...');
    const sample = this.options.regressionTestRequired
      ? await this.finalSampleJobs(run, active.version)
      : [await this.trialJob(run.job_id, active.version)];
    const targets = targetFields(ops, active.rules);
    const gate = regressionGate(active.compiled, staged, stagedRecord!.document, sample, targets);
    const issue = JSON.parse(run.issue) as Issue;
    const summary = {
      issue,
      ops,
      diff: diffRuleSets(active.rules, stagedRecord!.document).map(describeChange),
      jobsChecked: gate.jobsChecked,
      jobsImproved: gate.jobsImproved,
      regressions: gate.regressions.length,
      sampleChanges: gate.changes.slice(0, 20),
    };
    const [fa, fb] = await this.both([
      this.ask(this.a, () => this.a.finalApproval(summary), finalApprovalSchema),
      this.ask(this.b, () => this.b.finalApproval(summary), finalApprovalSchema),
    ]);
    const finalValidation = json({
      regressionTestRequired: this.options.regressionTestRequired,
      jobsChecked: gate.jobsChecked,
      jobsImproved: gate.jobsImproved,
      examplesChecked: gate.examplesChecked,
      regressions: gate.regressions.slice(0, 20),
      regressionCount: gate.regressions.length,
      contradictions: gate.contradictions.slice(0, 20),
      contradictionCount: gate.contradictions.length,
      corroborations: gate.corroborations,
      diff: summary.diff,
    });
    const finalApproval = json([
      { diagnostician: this.a.name, ...fa },
      { diagnostician: this.b.name, ...fb },
    ]);
    const update: HealRunUpdate = {
      final_validation: finalValidation,
      final_approval: finalApproval,
      staged_version: stagedVersion,
    };
    if (gate.regressions.length > 0 || contradicted(gate) || !fa.approved || !fb.approved) {
      const why =
        gate.regressions.length > 0
          ? `${gate.regressions.length} regression(s) in ${gate.jobsChecked} stored jobs`
          : contradicted(gate)
            ? describeContradictions(gate)
            : rejection(this.a.name, fa, this.b.name, fb);
      await this.finish(
        run,
        'final_validation',
        'escalated',
        'escalated',
        'final_approval_rejected',
        why,
        update,
      );
      return;
    }
    this.logger.info(
      { runId: run.id, jobsChecked: gate.jobsChecked },
      '[Self-Healing] Dual-AI final approval obtained',
    );
    await this.moveOn(run, 'final_validation', 'activating', update);
  }

  /**
   * Activate the staged version, and in the same transaction mark every affected job and queue
   * its correction: either all of it happens or none of it does.
   */
  private async activate(run: HealRunRow): Promise<void> {
    const staged = await this.ruleSetRepository.get(run.staged_version ?? 0);
    const activeVersion = await this.ruleSetRepository.activeVersion();
    if (!staged || staged.parentVersion !== activeVersion) {
      await this.moveOn(run, 'activating', 'final_validation', {});
      return;
    }
    const attempts = JSON.parse(run.attempts) as AttemptRecord[];
    const validation = JSON.parse(run.final_validation ?? '{}') as { jobsChecked?: number };
    // The system-wide scan: every stored job that carries the signature, or a signature the
    // fix cleared on the original job, is affected; its correction decides if it changed.
    // With SYSTEM_WIDE_FIX_ENABLED=false only the jobs that joined the run are corrected.
    const affected = this.options.systemWideEnabled
      ? await this.runs.jobsWithSignatures([
          run.signature,
          ...(await this.clearedSignatures(run, staged.version)),
        ])
      : (await this.runs.runJobs(run.id)).map((member) => member.job_id);
    const at = this.now().toISOString();
    let corrections = 0;
    await this.db.transaction().execute(async (trx) => {
      await this.ruleSetRepository.activate(staged.version, `heal run ${run.id}`, at, trx);
      await this.runs.addJobs(run.id, affected, at, trx);
      const moved = await this.runs.transition(
        run.id,
        'activating',
        { state: 'correcting', open_signature: null, activated_version: staged.version, updated_at: at },
        trx,
      );
      if (!moved) throw new Error(`heal run ${run.id} left 'activating' while it was activated`);
      const members = await trx
        .selectFrom('heal_run_jobs')
        .select('job_id')
        .where('run_id', '=', run.id)
        .execute();
      corrections = members.length;
      for (const { job_id } of members) {
        await this.queue.enqueue(
          QUEUES.correction,
          { runId: run.id, jobId: job_id },
          {
            singletonKey: `correction:${run.id}:${job_id}`,
            maxAttempts: this.options.correctionMaxAttempts,
            transaction: trx,
          },
        );
      }
      // Written before the commit: a crash after it cannot lose the line (a crash before it
      // replays the step, which may write it twice, never zero times).
      await this.changesLog.append({
        at,
        action: 'activate',
        runId: run.id,
        signature: run.signature,
        fromVersion: staged.parentVersion,
        toVersion: staged.version,
        ops: staged.fixOps,
        attempts: attempts.length,
        jobsChecked: validation.jobsChecked ?? null,
        affectedJobs: corrections,
      });
    });
    this.logger.info(
      { runId: run.id, version: staged.version, affectedJobs: corrections },
      `[Self-Healing] Rule set v${staged.version} activated; sending corrections for ${corrections} affected job(s)`,
    );
    await this.supersedeWaiting();
  }

  /** Runs waiting for a person whose issue the newly active version already fixes stop waiting. */
  private async supersedeWaiting(): Promise<void> {
    const { runs } = await this.runs.history({ limit: 500, state: 'awaiting_approval' });
    for (const waiting of runs) await this.supersede(waiting);
  }

  /** Signatures of the original job that the staged version clears. */
  private async clearedSignatures(run: HealRunRow, stagedVersion: number): Promise<string[]> {
    const job = await this.jobs.get(run.job_id);
    if (!job) return [];
    const before = await this.db
      .selectFrom('job_issues')
      .select('signature')
      .where('job_id', '=', job.id)
      .execute();
    const staged = await this.ruleSets.version(stagedVersion);
    const payload = JSON.parse(job.raw_payload) as Record<string, unknown>;
    const remaining = signaturesOf(verify({ id: job.id, payload, receivedAt: job.received_at }, staged));
    // Only findings of the result itself; delivery and Salesforce facts are not the fix's to clear.
    const own = /^(unmapped_key|picklist_miss|source_conflict|invalid_value):/;
    return before
      .map((row) => row.signature)
      .filter((signature) => own.test(signature) && !remaining.has(signature));
  }

  // ── helpers ────────────────────────────────────────────────────────────────────────────────

  /** The active rule set fixed the original job since the run began (another run's fix). */
  private async supersede(run: HealRunRow): Promise<boolean> {
    const active = await this.activeRules();
    if (run.state === 'activating' && run.staged_version !== null) {
      // Its own staged version is about to become active: nothing superseded it yet.
      const staged = await this.ruleSetRepository.get(run.staged_version);
      if (staged?.parentVersion === active.version) return false;
    }
    const original = await this.trialJob(run.job_id, active.version);
    if (!original.activeResult || signaturesOf(original.activeResult).has(run.signature)) return false;
    await this.finish(
      run,
      run.state as HealState,
      'superseded',
      'superseded',
      null,
      `rule set v${active.version} already fixes it`,
    );
    return true;
  }

  private async activeRules() {
    const compiled = await this.ruleSets.active();
    const stored = await this.ruleSetRepository.get(compiled.version);
    if (!stored) throw new Error(`active rule set v${compiled.version} is missing`);
    return { version: compiled.version, compiled, rules: stored.document };
  }

  /** A stored job as the trial needs it, with its result under the active version. */
  private async trialJob(jobId: string, activeVersion: number): Promise<TrialJob> {
    const job = await this.jobs.get(jobId);
    if (!job) throw new Error(`job ${jobId} of a heal run is missing`);
    const payload = JSON.parse(job.raw_payload) as Record<string, unknown>;
    if (job.result && job.rule_set_version === activeVersion) {
      return {
        id: job.id,
        payload,
        receivedAt: job.received_at,
        activeResult: JSON.parse(job.result) as VerificationResult,
      };
    }
    const trial = { id: job.id, payload, receivedAt: job.received_at };
    return { ...trial, activeResult: verify(trial, await this.ruleSets.version(activeVersion)) };
  }

  /**
   * Final validation's wider sample: the stored jobs that carry the issue (the ones the fix is
   * for), the most recent of the fixed job's category, and the golden sample across categories,
   * since a rule set is shared; `finalSample` of each at most.
   */
  private async finalSampleJobs(run: HealRunRow, activeVersion: number): Promise<TrialJob[]> {
    const limit = this.options.finalSample;
    const carriers = await this.runs.jobsWithSignatures([run.signature], limit);
    const category = (await this.jobs.get(run.job_id))?.category ?? null;
    const jobs = new Map<string, TrialJob>();
    for (const job of [
      ...(carriers.length > 0
        ? await this.loadJobs(this.db.selectFrom('jobs').where('id', 'in', carriers), limit, activeVersion)
        : []),
      ...(category ? await this.sampleJobs(limit, activeVersion, category) : []),
      ...(await this.sampleJobs(this.options.goldenSample, activeVersion)),
    ]) {
      jobs.set(job.id, job);
    }
    return [...jobs.values()];
  }

  /** The most recent verified jobs (of one category): the golden sample of the regression gate. */
  private async sampleJobs(limit: number, activeVersion: number, category?: string): Promise<TrialJob[]> {
    let query = this.db.selectFrom('jobs');
    if (category !== undefined) query = query.where('category', '=', category);
    return this.loadJobs(query, limit, activeVersion);
  }

  private async loadJobs(
    query: SelectQueryBuilder<Database, 'jobs', object>,
    limit: number,
    activeVersion: number,
  ): Promise<TrialJob[]> {
    const rows = await query
      .select(['id', 'raw_payload', 'received_at', 'result', 'rule_set_version'])
      .where('status', '=', 'completed')
      .orderBy('completed_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      id: row.id,
      payload: JSON.parse(row.raw_payload) as Record<string, unknown>,
      receivedAt: row.received_at,
      ...(row.result && row.rule_set_version === activeVersion
        ? { activeResult: JSON.parse(row.result) as VerificationResult }
        : {}),
    }));
  }

  private async pack(issue: Issue): Promise<ContextPack> {
    const active = await this.activeRules();
    return buildContextPack({
      db: this.db,
      runs: this.runs,
      rules: active.rules,
      issue,
      samples: await this.samples(active.rules),
    });
  }

  /**
   * Field values and family keys of stored results change slowly and cost a scan of the stored
   * results: computed at most once a minute, not once per step (a new rule set version adds
   * keys to a family; a pack a minute behind on that only delays a diagnosis that needs them).
   * While the store is young they change fast: the samples are taken again as soon as the
   * completed jobs have grown by half, so the first minute's diagnoses do not all see the few
   * jobs that happened to be there first.
   */
  private async samples(rules: RuleSet): Promise<StoredSamples> {
    const cached = this.samplesCache;
    if (cached && Date.now() - cached.at < SAMPLES_TTL_MS && !(await this.grownSince(cached.completed)))
      return cached.samples;
    const completed = await this.completedJobs();
    const samples = await storedSamples(this.db, rules);
    this.samplesCache = { at: Date.now(), completed, samples };
    return samples;
  }

  /**
   * Has a young store (samples taken from fewer than YOUNG_STORE_JOBS jobs) grown by half since?
   * Past that size the count is not taken on every step: the minute's cache decides alone.
   */
  private async grownSince(completedThen: number): Promise<boolean> {
    if (completedThen >= YOUNG_STORE_JOBS) return false;
    return (await this.completedJobs()) > completedThen * 1.5;
  }

  private async completedJobs(): Promise<number> {
    const row = await this.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('status', '=', 'completed')
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /**
   * Ask both at once and wait for both, even when one fails: a call still in flight must not
   * land in the next step's record (or the next run's).
   */
  private async both<A, B>(calls: readonly [Promise<A>, Promise<B>]): Promise<[A, B]> {
    const [a, b] = await Promise.allSettled(calls);
    if (a.status === 'rejected') throw a.reason;
    if (b.status === 'rejected') throw b.reason;
    return [a.value, b.value];
  }

  /** Ask a diagnostician; an error or an answer outside the schema makes it unavailable. */
  private async ask<T>(
    who: Diagnostician,
    call: () => Promise<T>,
    schema: { safeParse(value: unknown): { success: boolean; data?: unknown; error?: unknown } },
  ): Promise<T> {
    let answer: unknown;
    try {
      answer = await call();
    } catch (error) {
      throw new DiagnosticianUnavailable(who.name, error);
    }
    const parsed = schema.safeParse(answer);
    if (!parsed.success) throw new DiagnosticianUnavailable(who.name, new Error('answer outside the schema'));
    return parsed.data as T;
  }

  private async moveOn(
    run: HealRunRow,
    from: HealState,
    to: HealState,
    update: HealRunUpdate,
  ): Promise<void> {
    const at = this.now().toISOString();
    await this.db.transaction().execute(async (trx) => {
      const moved = await this.runs.transition(run.id, from, { ...update, state: to, updated_at: at }, trx);
      if (!moved) return;
      await this.queue.enqueue(
        QUEUES.healStep,
        { runId: run.id },
        {
          singletonKey: `heal-step:${run.id}:${to}:${(update.attempts_taken ?? run.attempts_taken) as number}`,
          // Due at the run's own start: the queue takes the oldest first, so a run further along
          // finishes before younger runs begin, and siblings it fixes stop at their first step.
          runAt: Date.parse(run.created_at),
          transaction: trx,
        },
      );
    });
  }

  /** End a run: terminal state, outcome, reason, the signature free again, and an escalation if any. */
  private async finish(
    run: HealRunRow,
    from: HealState | string,
    state: HealState,
    outcome: string,
    escalation: EscalationReason | null,
    reason: string,
    update: HealRunUpdate = {},
  ): Promise<void> {
    const at = this.now().toISOString();
    await this.db.transaction().execute(async (trx) => {
      const moved = await this.runs.transition(
        run.id,
        from,
        {
          ...update,
          state,
          final_outcome: outcome,
          outcome_reason: reason.slice(0, 2000),
          open_signature: null,
          completed_at: at,
          updated_at: at,
        },
        trx,
      );
      if (!moved) return;
      // A run that ends without activating sends no correction: its jobs say so.
      await this.runs.settlePendingJobs(run.id, 'no_correction', at, trx);
      if (escalation === null) return;
      await this.escalations.raise(
        {
          runId: run.id,
          jobId: run.job_id,
          reason: escalation,
          detail: reason,
          context: { signature: run.signature, state: from },
          at,
        },
        trx,
      );
    });
  }

  private async addTiming(runId: string, state: string, ms: number): Promise<void> {
    const run = await this.runs.get(runId);
    if (!run) return;
    const timings = JSON.parse(run.timings) as Record<string, number>;
    timings[state] = (timings[state] ?? 0) + ms;
    await this.runs.update(runId, { timings: json(timings) });
  }
}

function rejection(nameA: string, a: FinalApproval, nameB: string, b: FinalApproval): string {
  return [a.approved ? null : `${nameA}: ${a.reasoning}`, b.approved ? null : `${nameB}: ${b.reasoning}`]
    .filter(Boolean)
    .join('; ');
}
