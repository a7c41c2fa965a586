import { randomUUID } from 'node:crypto';
import type { Issue } from '../domain/issues/issue.ts';
import type { Db } from './database.ts';
import type { EscalationsTable, HealRunJobsTable, JobIssuesTable, SelfHealingLogsTable } from './schema.ts';

export type HealRunRow = SelfHealingLogsTable;
export type HealRunJobRow = HealRunJobsTable;
export type EscalationRow = EscalationsTable;

/** Columns a step may change; JSON columns are passed already serialised. */
export type HealRunUpdate = Partial<Omit<SelfHealingLogsTable, 'id' | 'created_at'>>;

/**
 * Heal runs (the seed's `self_healing_logs`), the jobs each run covers, the issues found in
 * stored jobs, and escalations. A run's `open_signature` is unique, so "one open run per
 * signature" is a constraint of the store, not a hope of the code.
 */
export class HealRunRepository {
  constructor(private readonly db: Db) {}

  /** Replace a job's issues with what its latest scan found. */
  async recordIssues(
    jobId: string,
    issues: readonly Issue[],
    ruleSetVersion: number,
    at: string,
    executor: Db = this.db,
  ): Promise<void> {
    await executor.deleteFrom('job_issues').where('job_id', '=', jobId).execute();
    if (issues.length === 0) return;
    const rows: JobIssuesTable[] = issues.map((issue) => ({
      job_id: jobId,
      signature: issue.signature,
      issue_type: issue.type,
      severity: issue.severity,
      healable: issue.healable ? 1 : 0,
      issue: JSON.stringify(issue),
      rule_set_version: ruleSetVersion,
      detected_at: at,
    }));
    await executor.insertInto('job_issues').values(rows).execute();
  }

  /** How many stored jobs carry each signature. */
  async frequencies(signatures: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (signatures.length === 0) return counts;
    const rows = await this.db
      .selectFrom('job_issues')
      .select(['signature', (eb) => eb.fn.countAll<number>().as('count')])
      .where('signature', 'in', [...signatures])
      .groupBy('signature')
      .execute();
    for (const row of rows) counts.set(row.signature, Number(row.count));
    return counts;
  }

  /** Jobs that carry any of these signatures: the system-wide scan is this query. */
  async jobsWithSignatures(signatures: readonly string[], limit = 100_000): Promise<string[]> {
    if (signatures.length === 0) return [];
    const rows = await this.db
      .selectFrom('job_issues')
      .select('job_id')
      .distinct()
      .where('signature', 'in', [...signatures])
      .orderBy('job_id')
      .limit(limit)
      .execute();
    return rows.map((row) => row.job_id);
  }

  /** Issues stored for one signature (values, families and keys as different jobs carry them). */
  async issuesWithSignature(signature: string, limit: number): Promise<{ jobId: string; issue: Issue }[]> {
    const rows = await this.db
      .selectFrom('job_issues')
      .select(['job_id', 'issue'])
      .where('signature', '=', signature)
      .orderBy('detected_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ jobId: row.job_id, issue: JSON.parse(row.issue) as Issue }));
  }

  /** Issues of the given type carried by any of these jobs. */
  async issuesOfJobs(jobIds: readonly string[], type: string): Promise<{ jobId: string; issue: Issue }[]> {
    if (jobIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('job_issues')
      .select(['job_id', 'issue'])
      .where('job_id', 'in', [...jobIds])
      .where('issue_type', '=', type)
      .execute();
    return rows.map((row) => ({ jobId: row.job_id, issue: JSON.parse(row.issue) as Issue }));
  }

  async countIssues(): Promise<number> {
    const row = await this.db
      .selectFrom('job_issues')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async openRunFor(signature: string, executor: Db = this.db): Promise<HealRunRow | undefined> {
    return executor
      .selectFrom('self_healing_logs')
      .selectAll()
      .where('open_signature', '=', signature)
      .executeTakeFirst();
  }

  /** The newest run of a signature, open or finished. */
  async lastRunFor(signature: string, executor: Db = this.db): Promise<HealRunRow | undefined> {
    return executor
      .selectFrom('self_healing_logs')
      .selectAll()
      .where('signature', '=', signature)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** Did a heal run ever activate this rule set version? */
  async wasActivated(version: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('self_healing_logs')
      .select('id')
      .where('activated_version', '=', version)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async createRun(row: HealRunRow, executor: Db = this.db): Promise<void> {
    await executor.insertInto('self_healing_logs').values(row).execute();
  }

  async get(id: string, executor: Db = this.db): Promise<HealRunRow | undefined> {
    return executor.selectFrom('self_healing_logs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * Move a run on, but only from the state the caller read: a step that lost a race (a crash
   * replay, an approval arriving twice) changes nothing and learns so from the `false`.
   */
  async transition(
    id: string,
    from: string,
    update: HealRunUpdate,
    executor: Db = this.db,
  ): Promise<boolean> {
    const result = await executor
      .updateTable('self_healing_logs')
      .set(update)
      .where('id', '=', id)
      .where('state', '=', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async update(id: string, update: HealRunUpdate, executor: Db = this.db): Promise<void> {
    await executor.updateTable('self_healing_logs').set(update).where('id', '=', id).execute();
  }

  /** Add jobs to a run; a job already in it keeps its row. */
  async addJobs(runId: string, jobIds: readonly string[], at: string, executor: Db = this.db): Promise<void> {
    for (let start = 0; start < jobIds.length; start += 400) {
      const rows = jobIds.slice(start, start + 400).map((jobId) => ({
        run_id: runId,
        job_id: jobId,
        correction_status: 'pending',
        before_version: null,
        after_version: null,
        changes: null,
        correction_body: null,
        correction_attempts: 0,
        sf_response: null,
        created_at: at,
        updated_at: at,
      }));
      await executor
        .insertInto('heal_run_jobs')
        .values(rows)
        .onConflict((conflict) => conflict.columns(['run_id', 'job_id']).doNothing())
        .execute();
    }
  }

  async runJobs(runId: string): Promise<HealRunJobRow[]> {
    return this.db
      .selectFrom('heal_run_jobs')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('job_id')
      .execute();
  }

  async runJob(runId: string, jobId: string): Promise<HealRunJobRow | undefined> {
    return this.db
      .selectFrom('heal_run_jobs')
      .selectAll()
      .where('run_id', '=', runId)
      .where('job_id', '=', jobId)
      .executeTakeFirst();
  }

  async updateRunJob(
    runId: string,
    jobId: string,
    update: Partial<Omit<HealRunJobRow, 'run_id' | 'job_id'>>,
    executor: Db = this.db,
  ): Promise<void> {
    await executor
      .updateTable('heal_run_jobs')
      .set(update)
      .where('run_id', '=', runId)
      .where('job_id', '=', jobId)
      .execute();
  }

  /** Mark the run's jobs still `pending` with a final status (the run ended without corrections). */
  async settlePendingJobs(runId: string, status: string, at: string, executor: Db = this.db): Promise<void> {
    await executor
      .updateTable('heal_run_jobs')
      .set({ correction_status: status, updated_at: at })
      .where('run_id', '=', runId)
      .where('correction_status', '=', 'pending')
      .execute();
  }

  /** Corrections of a run still waiting for delivery. */
  async pendingCorrections(runId: string): Promise<number> {
    const row = await this.db
      .selectFrom('heal_run_jobs')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('run_id', '=', runId)
      .where('correction_status', 'in', ['pending', 'sending'])
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** Runs that include the job, newest first. */
  async runsForJob(jobId: string): Promise<HealRunRow[]> {
    return this.db
      .selectFrom('self_healing_logs')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb('job_id', '=', jobId),
          eb('id', 'in', eb.selectFrom('heal_run_jobs').select('run_id').where('job_id', '=', jobId)),
        ]),
      )
      .orderBy('created_at', 'desc')
      .execute();
  }

  async history(options: { limit: number; outcome?: string; state?: string }): Promise<{
    total: number;
    runs: HealRunRow[];
  }> {
    let query = this.db.selectFrom('self_healing_logs');
    if (options.outcome) query = query.where('final_outcome', '=', options.outcome);
    if (options.state) query = query.where('state', '=', options.state);
    const total = await query.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
    const runs = await query
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(options.limit)
      .execute();
    return { total: Number(total.count), runs };
  }

  /** Every run, in the few columns the metrics read. */
  async metricRows() {
    return this.db
      .selectFrom('self_healing_logs')
      .select([
        'state',
        'final_outcome',
        'consensus_achieved',
        'attempts_taken',
        'false_positive',
        'detected_at',
        'completed_at',
        'diagnosis_timestamp',
        'attempts',
        'usage',
      ])
      .execute();
  }

  async escalate(
    input: {
      runId: string | null;
      jobId: string | null;
      reason: string;
      message: string;
      context: unknown;
      at: string;
    },
    executor: Db = this.db,
  ): Promise<EscalationRow> {
    const row: EscalationRow = {
      id: randomUUID(),
      run_id: input.runId,
      job_id: input.jobId,
      reason: input.reason,
      message: input.message,
      context: JSON.stringify(input.context),
      created_at: input.at,
      resolved_at: null,
    };
    await executor.insertInto('escalations').values(row).execute();
    return row;
  }

  async escalations(limit: number): Promise<EscalationRow[]> {
    return this.db.selectFrom('escalations').selectAll().orderBy('created_at', 'desc').limit(limit).execute();
  }
}
