/**
 * What a Salesforce record must carry before anything is stored (PEER-CONTRACT §2): the two
 * ids, as non-empty strings, the record id shaped like a Salesforce id. Everything else is
 * data the engine reads as data.
 */
const SALESFORCE_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

export type RecordCheck = { ok: true; record: Record<string, unknown> } | { ok: false; message: string };

export function checkRecord(body: unknown): RecordCheck {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, message: 'Request body must be a JSON object (one Salesforce record)' };
  }
  const record = body as Record<string, unknown>;
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
  return { ok: true, record };
}
