import { z } from 'zod';

/**
 * One problem of one job. Its signature names the cause independent of the job
 * (`unmapped_key:record:brand_legacy`, `picklist_miss:brand:whirlpoolcanada`), so every job with
 * the same cause joins one heal run: fifty records with the same unknown key cost one diagnosis.
 */
export const issueTypes = [
  'unmapped_key',
  'missing_field',
  'picklist_miss',
  'source_conflict',
  'invalid_value',
  'webhook_rejected',
  'webhook_undeliverable',
  'sf_save_error',
] as const;
export type IssueType = (typeof issueTypes)[number];
export type Severity = 'low' | 'medium' | 'high' | 'critical';

export const issueSchema = z.object({
  type: z.enum(issueTypes),
  signature: z.string().min(1).max(300),
  severity: z.enum(['low', 'medium', 'high', 'critical']),
  summary: z.string().max(1000),
  /** The source family and key (unmapped keys), as the source spells the key. */
  family: z.string().optional(),
  key: z.string().optional(),
  normalisedKey: z.string().optional(),
  /** The rule-set field or result output concerned. */
  field: z.string().optional(),
  /** The value concerned (a picklist miss, an invalid value), or a sample of the key's value. */
  value: z.string().optional(),
  picklist: z.enum(['brand', 'category', 'style']).optional(),
  /** Whether a rule-set fix can address it; delivery and Salesforce errors usually cannot. */
  healable: z.boolean(),
});
export type Issue = z.infer<typeof issueSchema>;

export const SEVERITY_WEIGHT: Record<Severity, number> = { low: 1, medium: 3, high: 9, critical: 27 };

/** Priority = severity × frequency (how many stored jobs share the signature). */
export function priorityOf(issue: Pick<Issue, 'severity'>, frequency: number): number {
  return SEVERITY_WEIGHT[issue.severity] * Math.max(1, frequency);
}

/** `Brand Legacy` → `brand_legacy`: signatures use snake-case keys. */
export const signaturePart = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 120) || 'empty';
