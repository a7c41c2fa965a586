import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Db } from '../store/database.ts';
import type { HealRunRepository } from '../store/heal-run-repository.ts';

/**
 * Why a person is needed: the seed's five triggers, plus a diagnostician that could not answer
 * and a problem no rule-set change can fix (a webhook Salesforce rejects, a save error).
 */
export type EscalationReason =
  | 'no_consensus'
  | 'attempts_exhausted'
  | 'final_approval_rejected'
  | 'sf_no_ack'
  | 'high_risk_fix'
  | 'diagnostician_unavailable'
  | 'not_healable';

export const ESCALATION_TEXT: Record<EscalationReason, string> = {
  no_consensus: 'the diagnosticians did not agree on a fix',
  attempts_exhausted: 'no fix was proven within the attempts allowed',
  final_approval_rejected: 'the final validation or approval rejected the fix',
  sf_no_ack: 'Salesforce did not acknowledge the correction',
  high_risk_fix: 'the fix is high risk and waits for a person',
  diagnostician_unavailable: 'a diagnostician was unavailable',
  not_healable: 'the problem is not one a rule-set change can fix',
};

/** Stores the escalation and writes the seed's log line; notification channels come later. */
export class Escalations {
  constructor(
    private readonly runs: HealRunRepository,
    private readonly logger: Logger,
  ) {}

  async raise(
    input: {
      runId: string | null;
      jobId: string | null;
      reason: EscalationReason;
      detail: string;
      context: unknown;
      at: string;
    },
    executor?: Db,
  ): Promise<void> {
    const message = `${ESCALATION_TEXT[input.reason]}: ${input.detail}`;
    await this.runs.escalate({ ...input, message }, executor);
    this.logger.warn(
      { runId: input.runId, jobId: input.jobId, reason: input.reason, context: input.context },
      `[Self-Healing] 🚨 ESCALATING JOB ${input.jobId ?? '-'} TO HUMAN REVIEW: ${message}`,
    );
  }
}

/** `logs/self_healing_changes.log`: one JSON line per rule-set change verity makes or undoes. */
export class ChangesLog {
  constructor(private readonly logDir: string | null) {}

  async append(entry: Record<string, unknown>): Promise<void> {
    if (!this.logDir) return;
    await mkdir(this.logDir, { recursive: true });
    await appendFile(join(this.logDir, 'self_healing_changes.log'), `${JSON.stringify(entry)}\n`);
  }
}
