/** A job id is the UUID intake gave the job (`randomUUID`); nothing else names a job. */
export const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const SHAPE =
  'a job id is the UUID that POST /api/verify/salesforce answered as jobId (36 characters, like 3f1c2a4e-8b7d-4c2e-9a1f-0d5e6b7c8a9b)';

function described(value: unknown): string {
  if (typeof value === 'string') {
    return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  }
  if (typeof value === 'number') return `the number ${value}`;
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * What is wrong with a job id a caller gave, in words, or null when it is well formed. The
 * value is named (a short string as given, a long one by its length) but never echoed whole.
 */
export function jobIdProblem(value: unknown): string | null {
  if (typeof value === 'string' && JOB_ID.test(value)) return null;
  if (value === undefined || (typeof value === 'string' && value.trim() === '')) return 'jobId is required';
  return `jobId is not a job id (got ${described(value)}): ${SHAPE}`;
}
