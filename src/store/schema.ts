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

export interface Database {
  jobs: JobsTable;
  delivery_attempts: DeliveryAttemptsTable;
  sf_confirmations: SfConfirmationsTable;
  rule_set_versions: RuleSetVersionsTable;
  active_rule_set: ActiveRuleSetTable;
  queue_jobs: QueueJobsTable;
}
