/**
 * Table types. Timestamps are ISO-8601 strings and JSON documents are text, so the same
 * repositories run on SQLite and PostgreSQL; instants the queue compares are epoch ms.
 */

export type JobStatus = 'pending' | 'processing' | 'completed' | 'failed';

export interface JobsTable {
  id: string;
  sf_catalog_id: string;
  sf_catalog_name: string;
  /** sha256 of the canonical JSON of the payload: recognises identical re-sends. */
  content_hash: string;
  status: JobStatus;
  /** The request body exactly as received. */
  raw_payload: string;
  result: string | null;
  rule_set_version: number | null;
  /** The result's verified category: final validation samples the jobs of a category. */
  category: string | null;
  webhook_url: string | null;
  error: string | null;
  received_at: string;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  completed_at: string | null;
  processing_time_ms: number | null;
  webhook_attempts: number;
  webhook_success: number | null;
  webhook_last_attempt: string | null;
  sf_acknowledged: number | null;
  sf_processed: number | null;
  sf_error: string | null;
  sf_acknowledged_at: string | null;
  /** How many identical re-sends this job absorbed. */
  duplicate_count: number;
}

export interface DeliveryAttemptsTable {
  id: string;
  job_id: string;
  /** 'result' for the verification webhook, 'correction' for a self-healing correction. */
  kind: string;
  delivery_id: string;
  attempt: number;
  url: string;
  status_code: number | null;
  error: string | null;
  response_excerpt: string | null;
  duration_ms: number;
  succeeded: number;
  attempted_at: string;
}

export interface SfConfirmationsTable {
  id: string;
  job_id: string | null;
  sf_catalog_id: string;
  session_id: string | null;
  status: string;
  fields_updated: string | null;
  error_message: string | null;
  reported_at: string | null;
  received_at: string;
}

export interface RuleSetVersionsTable {
  version: number;
  parent_version: number | null;
  document: string;
  checksum: string;
  created_at: string;
  created_by: string;
  note: string;
  heal_run_id: string | null;
  fix_ops: string | null;
}

export interface ActiveRuleSetTable {
  id: number;
  version: number;
  activated_at: string;
  activated_by: string;
}

export type QueueJobStatus = 'queued' | 'active' | 'done' | 'failed';

export interface QueueJobsTable {
  id: string;
  queue: string;
  payload: string;
  status: QueueJobStatus;
  run_at: number;
  attempts: number;
  max_attempts: number;
  lease_until: number | null;
  locked_by: string | null;
  last_error: string | null;
  singleton_key: string | null;
  created_at: string;
  updated_at: string;
}

/** The seed's `self_healing_logs` record (same field names, snake-cased), plus the run's state. */
export interface SelfHealingLogsTable {
  id: string;
  /** The job whose scan started the run. */
  job_id: string;
  signature: string;
  /** Equals `signature` while the run is open, null after: one open run per signature. */
  open_signature: string | null;
  issue_type: string;
  issue: string;
  severity: string;
  priority: number;
  /** Position in the state machine (see healing/heal-run-states.ts). */
  state: string;
  detected_at: string;
  diagnosis_timestamp: string | null;
  consensus_achieved: number;
  /** The first diagnostician's diagnosis (OpenAI's seat in the seed; `diagnostician` names who). */
  openai_diagnosis: string | null;
  /** The second diagnostician's diagnosis (xAI's seat in the seed). */
  xai_diagnosis: string | null;
  /** Cross-reviews, the consensus decision and its reasons. */
  consensus: string | null;
  selected_fix: string | null;
  system_wide_fixes: string | null;
  risk: string | null;
  attempts_taken: number;
  attempts: string;
  staged_version: number | null;
  activated_version: number | null;
  approval: string | null;
  final_validation: string | null;
  final_approval: string | null;
  final_outcome: string | null;
  outcome_reason: string | null;
  sf_correction_sent: number;
  false_positive: number;
  /** Provider calls: tokens, latency, cost (built-ins: zero). */
  usage: string;
  /** Prompts, raw answers and errors per call, for audit and replay. */
  transcript: string;
  timings: string;
  completed_at: string | null;
  created_at: string;
  updated_at: string;
}

/** Jobs that share a heal run's signature, and what the run did to each. */
export interface HealRunJobsTable {
  run_id: string;
  job_id: string;
  /** pending | sending | acknowledged | unchanged | failed | not_sent (no SF_WEBHOOK_URL) | no_correction (the run ended without a fix) */
  correction_status: string;
  before_version: number | null;
  after_version: number | null;
  changes: string | null;
  /** The correction as sent (built once; retries resend it unchanged). */
  correction_body: string | null;
  correction_attempts: number;
  sf_response: string | null;
  updated_at: string;
  created_at: string;
}

/** Issues found in stored jobs: what system-wide scans and frequencies are computed from. */
export interface JobIssuesTable {
  job_id: string;
  signature: string;
  issue_type: string;
  severity: string;
  healable: number;
  issue: string;
  rule_set_version: number;
  detected_at: string;
}

export interface EscalationsTable {
  id: string;
  run_id: string | null;
  job_id: string | null;
  reason: string;
  message: string;
  context: string;
  created_at: string;
  resolved_at: string | null;
}

export interface Database {
  self_healing_logs: SelfHealingLogsTable;
  heal_run_jobs: HealRunJobsTable;
  job_issues: JobIssuesTable;
  escalations: EscalationsTable;
  jobs: JobsTable;
  delivery_attempts: DeliveryAttemptsTable;
  sf_confirmations: SfConfirmationsTable;
  rule_set_versions: RuleSetVersionsTable;
  active_rule_set: ActiveRuleSetTable;
  queue_jobs: QueueJobsTable;
}
