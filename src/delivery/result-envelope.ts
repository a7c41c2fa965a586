import type { JobRow } from '../store/job-repository.ts';

/**
 * The webhook body Salesforce's Apex already parses (PEER-CONTRACT §4.2), byte for byte in
 * shape: `sessionId` is the job id, and a failed job carries only the two ids.
 */
export function resultEnvelope(job: JobRow): Record<string, unknown> {
  const ids = { SF_Catalog_Id: job.sf_catalog_id, SF_Catalog_Name: job.sf_catalog_name };
  if (job.status !== 'completed' || job.result === null) {
    return { success: false, data: ids, sessionId: job.id, processingTimeMs: job.processing_time_ms ?? 0 };
  }
  const result = JSON.parse(job.result) as Record<string, unknown>;
  return {
    success: true,
    data: { ...ids, ...result },
    sessionId: job.id,
    processingTimeMs: job.processing_time_ms ?? 0,
  };
}
