import { compactValue } from '../verification/normalise.ts';
import type { Findings } from '../verification/verify-record.ts';
import { type Issue, type Severity, signaturePart } from './issue.ts';

/**
 * Phase 1's classification: everything a stored job tells about itself — the verification's
 * findings, the webhook's fate, Salesforce's confirmation or rejection — as issues with
 * signatures. Pure: the detector service gathers the facts, this decides what they mean.
 */

export interface JobFacts {
  readonly findings: Findings | null;
  /** Output category of the result (`Ceiling Fans #`), if any. */
  readonly category: string | null;
  readonly webhook: {
    readonly configured: boolean;
    /** true delivered, false given up, null still trying or never tried. */
    readonly success: boolean | null;
    readonly lastStatusCode: number | null;
    readonly lastError: string | null;
  };
  /** Salesforce's save confirmations (`POST /api/webhook/confirm`). */
  readonly confirmations: readonly { readonly status: string; readonly errorMessage: string | null }[];
  /** The acknowledge endpoint's error, if Salesforce reported one. */
  readonly acknowledgementError: string | null;
}

/** Families whose keys are the record's own fields; an unknown one there is an SF field nobody reads. */
const STRUCTURED_FAMILIES = new Set([
  'spec_table',
  'web_retailer_specs',
  'ferguson_attributes',
  'ferguson_raw',
]);
const KEY_OUTPUTS = new Set(['Brand_Verified', 'Category_Verified']);

export function detectIssues(facts: JobFacts): Issue[] {
  const issues = new Map<string, Issue>();
  const add = (issue: Issue) => {
    if (!issues.has(issue.signature)) issues.set(issue.signature, issue);
  };
  const findings = facts.findings;
  if (findings) {
    for (const unmapped of findings.unmappedKeys) {
      add({
        type: 'unmapped_key',
        signature: `unmapped_key:${unmapped.family}:${signaturePart(unmapped.normalisedKey)}`,
        severity: STRUCTURED_FAMILIES.has(unmapped.family) ? 'low' : 'medium',
        summary: `source key "${unmapped.key}" (${unmapped.family}) is read by no field`,
        family: unmapped.family,
        key: unmapped.key,
        normalisedKey: unmapped.normalisedKey,
        value: unmapped.sample,
        healable: true,
      });
    }
    // A field is missing while the record carries keys nobody read: a source could have supplied it.
    if (findings.unmappedKeys.length > 0) {
      for (const output of findings.missingFields) {
        add({
          type: 'missing_field',
          signature: `missing_field:${signaturePart(facts.category ?? 'uncategorised')}:${output}`,
          severity: KEY_OUTPUTS.has(output) ? 'high' : 'medium',
          summary: `${output} is "Not Found" while ${findings.unmappedKeys.length} source key(s) went unread`,
          field: output,
          healable: false,
        });
      }
    }
    for (const miss of findings.picklistMisses) {
      add({
        type: 'picklist_miss',
        signature: `picklist_miss:${miss.picklist}:${compactValue(miss.value).slice(0, 120) || 'empty'}`,
        severity: miss.picklist === 'style' ? 'low' : 'medium',
        summary: `${miss.picklist} "${miss.value}" (${miss.family}) matches no Salesforce ${miss.picklist}`,
        family: miss.family,
        key: miss.key,
        value: miss.value,
        picklist: miss.picklist,
        healable: true,
      });
    }
    for (const conflict of findings.conflicts) {
      const output = conflict.output.split('.').pop() ?? conflict.output;
      add({
        type: 'source_conflict',
        signature: `source_conflict:${output}`,
        severity: 'low',
        summary: `sources disagree on ${output}: kept ${String(conflict.chosen)}, not ${conflict.others
          .map((other) => `${String(other.value)} (${other.source.path})`)
          .join(', ')}`,
        field: conflict.field,
        value: String(conflict.chosen),
        healable: true,
      });
    }
    for (const invalid of findings.invalidValues) {
      const unitProblem = /\bunit\b/.test(invalid.reason);
      add({
        type: 'invalid_value',
        signature: `invalid_value:${invalid.field}`,
        severity: invalid.field === 'upc' ? 'medium' : 'low',
        summary: `${invalid.path} "${invalid.value}" is not a valid ${invalid.field}: ${invalid.reason}`,
        family: invalid.family,
        key: invalid.key,
        field: invalid.field,
        value: invalid.value,
        healable: unitProblem,
      });
    }
  }
  if (facts.webhook.configured && facts.webhook.success === false) {
    const status = facts.webhook.lastStatusCode;
    const rejected = status !== null && status >= 400 && status < 500;
    const severity: Severity = 'high';
    add({
      type: rejected ? 'webhook_rejected' : 'webhook_undeliverable',
      signature: rejected ? `webhook_rejected:${status}` : 'webhook_undeliverable',
      severity,
      summary: rejected
        ? `Salesforce rejected the result webhook with HTTP ${status}`
        : `the result webhook could not be delivered: ${facts.webhook.lastError ?? `HTTP ${status}`}`,
      value: facts.webhook.lastError ?? undefined,
      healable: false,
    });
  }
  const saveErrors = [
    ...facts.confirmations
      .filter((c) => c.status === 'error')
      .map((c) => c.errorMessage ?? 'unspecified error'),
    ...(facts.acknowledgementError ? [facts.acknowledgementError] : []),
  ];
  for (const message of saveErrors) {
    // Salesforce's status codes have underscores (FIELD_CUSTOM_VALIDATION_EXCEPTION); a word in
    // capitals without one is usually the record's own value (a brand) and must not split the
    // signature per record, so without a code the message's first words name the error.
    const code =
      /\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b/.exec(message)?.[1] ?? message.split(/\s+/).slice(0, 3).join(' ');
    add({
      type: 'sf_save_error',
      signature: `sf_save_error:${signaturePart(code)}`,
      severity: 'high',
      summary: `Salesforce could not save the result: ${message.slice(0, 300)}`,
      value: message.slice(0, 500),
      healable: false,
    });
  }
  return [...issues.values()];
}
