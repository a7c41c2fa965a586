import type { HealRunJobRow, HealRunRow } from '../store/heal-run-repository.ts';
import { totalsByProvider, type UsageEntry } from './call-log.ts';

/** The seed's `self_healing_logs` record, in its own field names, from a stored run. */

const parse = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

export function healRunRecord(row: HealRunRow) {
  return {
    id: row.id,
    jobId: row.job_id,
    issueType: row.issue_type,
    signature: row.signature,
    issue: parse(row.issue),
    severity: row.severity,
    priority: row.priority,
    state: row.state,
    detectedAt: row.detected_at,
    diagnosisTimestamp: row.diagnosis_timestamp,
    consensusAchieved: row.consensus_achieved === 1,
    openaiDiagnosis: parse(row.openai_diagnosis),
    xaiDiagnosis: parse(row.xai_diagnosis),
    consensus: parse(row.consensus),
    selectedFix: parse(row.selected_fix),
    systemWideFixes: parse(row.system_wide_fixes) ?? [],
    risk: row.risk,
    attemptsTaken: row.attempts_taken,
    attempts: parse(row.attempts),
    stagedVersion: row.staged_version,
    activatedVersion: row.activated_version,
    approval: parse(row.approval),
    finalValidation: parse(row.final_validation),
    finalApproval: parse(row.final_approval),
    finalOutcome: row.final_outcome,
    outcomeReason: row.outcome_reason,
    sfCorrectionSent: row.sf_correction_sent === 1,
    falsePositive: row.false_positive === 1,
    usage: parse(row.usage),
    usageByProvider: totalsByProvider(JSON.parse(row.usage) as UsageEntry[]),
    transcript: parse(row.transcript),
    timings: parse(row.timings),
    completedAt: row.completed_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function healRunJobRecord(row: HealRunJobRow) {
  return {
    jobId: row.job_id,
    correctionStatus: row.correction_status,
    beforeVersion: row.before_version,
    afterVersion: row.after_version,
    changes: parse(row.changes),
    correctionAttempts: row.correction_attempts,
    sfResponse: parse(row.sf_response),
  };
}
