import { hasUrlCredentials } from '../observability/redact-url.ts';

/**
 * What a Salesforce record must carry before anything is stored (PEER-CONTRACT §2): the two
 * ids, as non-empty strings, the record id shaped like a Salesforce id. Everything else is
 * data the engine reads as data.
 */
const SALESFORCE_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

/**
 * Deepest nesting of objects and arrays a record may have, the record itself being level 1.
 * Real records stay under 10 (`Ferguson_Raw_Data.product.feature_groups[i].features[j]` is 6);
 * the limit keeps every later step (hashing, storing, verifying) far from the call stack's.
 */
export const MAX_RECORD_DEPTH = 64;

/** True when `value` nests objects or arrays deeper than `limit`; iterative, so any depth is safe to check. */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 1 }];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth > limit) return true;
    const children = Array.isArray(next.value) ? next.value : Object.values(next.value);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) pending.push({ value: child, depth: next.depth + 1 });
    }
  }
  return false;
}

export type RecordCheck = { ok: true; record: Record<string, unknown> } | { ok: false; message: string };

export function checkRecord(body: unknown): RecordCheck {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, message: 'Request body must be a JSON object (one Salesforce record)' };
  }
  const record = body as Record<string, unknown>;
  if (nestedDeeperThan(record, MAX_RECORD_DEPTH)) {
    return {
      ok: false,
      message: `Invalid record: objects and arrays are nested more than ${MAX_RECORD_DEPTH} levels deep`,
    };
  }
  const id = record.SF_Catalog_Id;
  if (id === undefined || id === null || (typeof id === 'string' && id.trim() === '')) {
    return { ok: false, message: 'Missing required field: SF_Catalog_Id' };
  }
  if (typeof id !== 'string' || !SALESFORCE_ID.test(id)) {
    return { ok: false, message: 'Invalid field: SF_Catalog_Id must be a 15- or 18-character Salesforce id' };
  }
  const name = record.SF_Catalog_Name;
  if (name === undefined || name === null || (typeof name === 'string' && name.trim() === '')) {
    return { ok: false, message: 'Missing required field: SF_Catalog_Name (model number)' };
  }
  if (typeof name !== 'string' || name.length > 255) {
    return {
      ok: false,
      message: 'Invalid field: SF_Catalog_Name must be a string of at most 255 characters',
    };
  }
  if (
    record.webhookUrl !== undefined &&
    record.webhookUrl !== null &&
    typeof record.webhookUrl !== 'string'
  ) {
    return { ok: false, message: 'Invalid field: webhookUrl must be a string' };
  }
  if (typeof record.webhookUrl === 'string' && hasUrlCredentials(record.webhookUrl)) {
    // fetch refuses such URLs, so every delivery would fail; and the password would be stored.
    return {
      ok: false,
      message: 'Invalid field: webhookUrl must not contain credentials (user:password@host)',
    };
  }
  return { ok: true, record };
}
