import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectIssues, type JobFacts } from '../../src/domain/issues/detect-issues.ts';
import { type Issue, issueSchema, priorityOf, SEVERITY_WEIGHT } from '../../src/domain/issues/issue.ts';
import { compileRuleSet } from '../../src/domain/rule-set/compile-rule-set.ts';
import { buildDefaultRuleSet } from '../../src/domain/rule-set/default-rule-set.ts';
import { type VerificationResult, verifyRecord } from '../../src/domain/verification/verify-record.ts';
import { loadExample } from '../domain/support.ts';

/**
 * Phase 1's classification on real verification results: the legacy-rename records of examples/
 * verified with the default rule set, and a few records crafted from them (a brand the picklist
 * lacks, a UPC with a bad check digit), plus the delivery and Salesforce facts of a job.
 */

const RULES = compileRuleSet(buildDefaultRuleSet(), 1);
const CONTEXT = { receivedAt: '2026-01-28T22:25:35.470Z', sessionId: 'detect-issues-test' };

const LEGACY_1 = 'examples/legacy-rename/recent-job-1-IE101WC-legacy.json';
const LEGACY_3 = 'examples/legacy-rename/recent-job-3-IE101WC-legacy.json';
const CHANDELIER = 'examples/peer-jobs/test-payload-1-chandelier.json';

const NO_WEBHOOK: JobFacts['webhook'] = {
  configured: false,
  success: null,
  lastStatusCode: null,
  lastError: null,
};

function verified(payload: Record<string, unknown>): VerificationResult {
  return verifyRecord(payload, RULES, CONTEXT).result;
}

function categoryOf(result: VerificationResult): string | null {
  const primary = result.Primary_Attributes as Record<string, unknown> | undefined;
  const category = primary?.Category_Verified;
  return typeof category === 'string' && category !== 'Not Found' ? category : null;
}

function issuesOf(payload: Record<string, unknown>, facts: Partial<JobFacts> = {}): Issue[] {
  const result = verified(payload);
  const issues = detectIssues({
    findings: result.Verity_Findings,
    category: categoryOf(result),
    webhook: NO_WEBHOOK,
    confirmations: [],
    acknowledgementError: null,
    ...facts,
  });
  for (const issue of issues) issueSchema.parse(issue);
  return issues;
}

const signatures = (issues: readonly Issue[]) => issues.map((issue) => issue.signature);
const bySignature = (issues: readonly Issue[], signature: string) => {
  const issue = issues.find((candidate) => candidate.signature === signature);
  assert.ok(issue, `no issue ${signature} in ${signatures(issues).join(', ')}`);
  return issue;
};

/** A legacy-rename record without its `_Legacy` keys: nothing unread, several fields missing. */
function withoutLegacyKeys(): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(loadExample(LEGACY_3)).filter(([key]) => !key.endsWith('_Legacy')),
  );
}

const LEGACY_KEYS = [
  'upc_legacy',
  'category_legacy',
  'product_description_legacy',
  'features_legacy',
  'weight_legacy',
  'capacity_legacy',
  'height_legacy',
  'width_legacy',
  'depth_legacy',
  'product_title_legacy',
  'msrp_legacy',
  'model_number_legacy',
  'brand_legacy',
];

describe('detectIssues: unmapped keys of the _Legacy rename (examples/legacy-rename)', () => {
  it('lists every _Legacy key as a medium, healable unmapped_key of the record family', () => {
    const issues = issuesOf(loadExample(LEGACY_3));
    const unmapped = issues.filter((issue) => issue.type === 'unmapped_key');
    assert.deepEqual(
      unmapped.map((issue) => issue.signature),
      LEGACY_KEYS.map((key) => `unmapped_key:record:${key}`),
    );
    assert.deepEqual(bySignature(issues, 'unmapped_key:record:brand_legacy'), {
      type: 'unmapped_key',
      signature: 'unmapped_key:record:brand_legacy',
      severity: 'medium',
      summary: 'source key "Brand_Legacy" (record) is read by no field',
      family: 'record',
      key: 'Brand_Legacy',
      normalisedKey: 'brand legacy',
      value: 'INSINKERATOR',
      healable: true,
    });
    const model = bySignature(issues, 'unmapped_key:record:model_number_legacy');
    assert.equal(model.key, 'Model_Number_Legacy');
    assert.equal(model.value, 'IE101WC');
    // Numbers are sampled as text.
    assert.equal(bySignature(issues, 'unmapped_key:record:weight_legacy').value, '11');
  });

  it('rates an unknown key of a structured family (the spec table) low', () => {
    const issues = issuesOf(loadExample(LEGACY_1));
    const diameter = bySignature(issues, 'unmapped_key:spec_table:diameter');
    assert.equal(diameter.severity, 'low');
    assert.equal(diameter.family, 'spec_table');
    assert.equal(diameter.key, 'Diameter');
    assert.equal(diameter.value, '6-5/16 in');
    assert.equal(bySignature(issues, 'unmapped_key:spec_table:ul_listed').severity, 'low');
    assert.equal(bySignature(issues, 'unmapped_key:record:brand_legacy').severity, 'medium');
  });

  it('reports a missing field, per category, when the record carries unread keys', () => {
    const issues = issuesOf(loadExample(LEGACY_3));
    const missing = issues.filter((issue) => issue.type === 'missing_field');
    assert.deepEqual(signatures(missing), [
      'missing_field:garbage_disposals:Depth_Verified',
      'missing_field:garbage_disposals:Width_Verified',
      'missing_field:garbage_disposals:Height_Verified',
      'missing_field:garbage_disposals:Weight_Verified',
      'missing_field:garbage_disposals:MSRP_Verified',
      'missing_field:garbage_disposals:UPC_GTIN_Verified',
    ]);
    for (const issue of missing) {
      assert.equal(issue.severity, 'medium');
      assert.equal(issue.healable, false);
      assert.match(issue.summary, /is "Not Found" while 13 source key\(s\) went unread/);
    }
    // Job 1's spec table supplies the dimensions and the UPC: only MSRP is missing there.
    const job1 = issuesOf(loadExample(LEGACY_1)).filter((issue) => issue.type === 'missing_field');
    assert.deepEqual(signatures(job1), ['missing_field:garbage_disposals:MSRP_Verified']);
  });

  it('rates a missing brand high, and names an uncategorised job so', () => {
    const { Brand_Web_Retailer: _brand, ...payload } = loadExample(LEGACY_3);
    const issues = issuesOf(payload);
    const brand = bySignature(issues, 'missing_field:garbage_disposals:Brand_Verified');
    assert.equal(brand.severity, 'high');
    assert.equal(brand.field, 'Brand_Verified');
    const result = verified(loadExample(LEGACY_3));
    const uncategorised = detectIssues({
      findings: result.Verity_Findings,
      category: null,
      webhook: NO_WEBHOOK,
      confirmations: [],
      acknowledgementError: null,
    });
    assert.ok(signatures(uncategorised).includes('missing_field:uncategorised:MSRP_Verified'));
  });

  it('reports no missing field when no key went unread, however many fields are missing', () => {
    const payload = withoutLegacyKeys();
    const result = verified(payload);
    assert.equal(result.Verity_Findings.unmappedKeys.length, 0);
    assert.ok(result.Verity_Findings.missingFields.length >= 6);
    assert.deepEqual(issuesOf(payload), []);
  });
});

describe('detectIssues: values', () => {
  it('reports a brand no picklist entry matches as a picklist_miss', () => {
    const issues = issuesOf({ ...withoutLegacyKeys(), Brand_Web_Retailer: 'Whirlpool Canada' });
    assert.deepEqual(issues, [
      {
        type: 'picklist_miss',
        signature: 'picklist_miss:brand:whirlpoolcanada',
        severity: 'medium',
        summary: 'brand "Whirlpool Canada" (web_retailer) matches no Salesforce brand',
        family: 'web_retailer',
        key: 'Brand',
        value: 'Whirlpool Canada',
        picklist: 'brand',
        healable: true,
      },
    ]);
  });

  it('reports a UPC with a bad check digit as a medium invalid_value that no alias heals', () => {
    // 050375006633 is the record's real UPC; the last digit changed breaks the GS1 check digit.
    const issues = issuesOf({ ...withoutLegacyKeys(), UPC_Manual: '050375006634' });
    assert.deepEqual(issues, [
      {
        type: 'invalid_value',
        signature: 'invalid_value:upc',
        severity: 'medium',
        summary: 'UPC_Manual "050375006634" is not a valid upc: bad GS1 check digit in 050375006634',
        family: 'manual',
        key: 'UPC',
        field: 'upc',
        value: '050375006634',
        healable: false,
      },
    ]);
  });
});

describe('detectIssues: signatures name the cause, not the job', () => {
  it('gives the same unmapped key on two different records one signature', () => {
    const one = issuesOf(loadExample(LEGACY_1));
    const three = issuesOf(loadExample(LEGACY_3));
    const shared = LEGACY_KEYS.map((key) => `unmapped_key:record:${key}`);
    for (const signature of shared) {
      assert.ok(signatures(one).includes(signature), signature);
      assert.ok(signatures(three).includes(signature), signature);
    }
    // The spec-table keys exist only in job 1.
    assert.ok(!signatures(three).includes('unmapped_key:spec_table:diameter'));
  });

  it('gives the same picklist miss on two different products one signature', () => {
    const disposal = issuesOf({ ...withoutLegacyKeys(), Brand_Web_Retailer: 'Whirlpool Canada' });
    const chandelier = issuesOf({ ...loadExample(CHANDELIER), Brand_Web_Retailer: 'WHIRLPOOL  canada' });
    const miss = (issues: Issue[]) => issues.filter((issue) => issue.type === 'picklist_miss');
    assert.deepEqual(signatures(miss(disposal)), ['picklist_miss:brand:whirlpoolcanada']);
    assert.deepEqual(signatures(miss(chandelier)), ['picklist_miss:brand:whirlpoolcanada']);
  });

  it('gives a bad UPC from two families one signature', () => {
    const manual = issuesOf({ ...withoutLegacyKeys(), UPC_Manual: '050375006634' });
    const retailer = issuesOf({ ...withoutLegacyKeys(), UPC_Web_Retailer: '050375006634' });
    assert.deepEqual(signatures(manual), ['invalid_value:upc']);
    assert.deepEqual(signatures(retailer), ['invalid_value:upc']);
    assert.equal(retailer[0]?.family, 'web_retailer');
  });
});

describe('detectIssues: delivery and Salesforce', () => {
  const facts = (overrides: Partial<JobFacts>): JobFacts => ({
    findings: null,
    category: null,
    webhook: NO_WEBHOOK,
    confirmations: [],
    acknowledgementError: null,
    ...overrides,
  });
  const failed = (lastStatusCode: number | null, lastError: string | null): JobFacts['webhook'] => ({
    configured: true,
    success: false,
    lastStatusCode,
    lastError,
  });

  it('calls a webhook given up on a 4xx rejected, by status', () => {
    const [issue, ...rest] = detectIssues(facts({ webhook: failed(422, 'HTTP 422') }));
    assert.deepEqual(rest, []);
    assert.deepEqual(issue, {
      type: 'webhook_rejected',
      signature: 'webhook_rejected:422',
      severity: 'high',
      summary: 'Salesforce rejected the result webhook with HTTP 422',
      value: 'HTTP 422',
      healable: false,
    });
    assert.equal(detectIssues(facts({ webhook: failed(400, null) }))[0]?.signature, 'webhook_rejected:400');
    assert.equal(detectIssues(facts({ webhook: failed(499, null) }))[0]?.signature, 'webhook_rejected:499');
  });

  it('calls a webhook given up on a 5xx or a network error undeliverable', () => {
    const server = detectIssues(facts({ webhook: failed(503, null) }));
    assert.equal(server.length, 1);
    assert.equal(server[0]?.type, 'webhook_undeliverable');
    assert.equal(server[0]?.signature, 'webhook_undeliverable');
    assert.equal(server[0]?.summary, 'the result webhook could not be delivered: HTTP 503');
    assert.equal(server[0]?.healable, false);

    const network = detectIssues(facts({ webhook: failed(null, 'connect ECONNREFUSED 127.0.0.1:9') }));
    assert.equal(network[0]?.type, 'webhook_undeliverable');
    assert.equal(network[0]?.signature, 'webhook_undeliverable');
    assert.equal(network[0]?.value, 'connect ECONNREFUSED 127.0.0.1:9');
    assert.match(network[0]?.summary ?? '', /ECONNREFUSED/);

    // A redirect given up on is not a rejection either.
    assert.equal(detectIssues(facts({ webhook: failed(302, null) }))[0]?.type, 'webhook_undeliverable');
  });

  it('reports nothing for a webhook delivered, still trying, or not configured', () => {
    assert.deepEqual(detectIssues(facts({ webhook: { ...failed(200, null), success: true } })), []);
    assert.deepEqual(detectIssues(facts({ webhook: { ...failed(503, 'HTTP 503'), success: null } })), []);
    assert.deepEqual(detectIssues(facts({ webhook: { ...failed(503, 'HTTP 503'), configured: false } })), []);
  });

  it('reports a confirmation with status error as an sf_save_error named by its code', () => {
    const message = 'FIELD_CUSTOM_VALIDATION_EXCEPTION: Brand_Verified__c must be a picklist value';
    const issues = detectIssues(
      facts({
        confirmations: [
          { status: 'success', errorMessage: null },
          { status: 'error', errorMessage: message },
          { status: 'error', errorMessage: 'FIELD_CUSTOM_VALIDATION_EXCEPTION: another record' },
        ],
      }),
    );
    assert.deepEqual(issues, [
      {
        type: 'sf_save_error',
        signature: 'sf_save_error:field_custom_validation_exception',
        severity: 'high',
        summary: `Salesforce could not save the result: ${message}`,
        value: message,
        healable: false,
      },
    ]);
  });

  it('names an error without a code by its first words, and reports the acknowledgement error too', () => {
    const issues = detectIssues(
      facts({
        confirmations: [{ status: 'error', errorMessage: null }],
        acknowledgementError: 'record is locked by another user',
      }),
    );
    assert.deepEqual(signatures(issues), [
      'sf_save_error:unspecified_error',
      'sf_save_error:record_is_locked',
    ]);
  });

  it('gives one save error on two records one signature, when the message names a record value in capitals', () => {
    const signatureOf = (errorMessage: string) =>
      detectIssues(facts({ confirmations: [{ status: 'error', errorMessage }] }))[0]?.signature;
    const insinkerator = signatureOf(
      'Brand_Verified__c: bad value for restricted picklist field: INSINKERATOR',
    );
    const whirlpool = signatureOf('Brand_Verified__c: bad value for restricted picklist field: WHIRLPOOL');
    assert.equal(insinkerator, whirlpool);
  });

  it('combines findings with delivery facts in one list', () => {
    const result = verified(loadExample(LEGACY_3));
    const issues = detectIssues({
      findings: result.Verity_Findings,
      category: categoryOf(result),
      webhook: failed(400, 'HTTP 400'),
      confirmations: [{ status: 'error', errorMessage: 'REQUIRED_FIELD_MISSING: Name' }],
      acknowledgementError: null,
    });
    const all = signatures(issues);
    assert.ok(all.includes('unmapped_key:record:brand_legacy'));
    assert.ok(all.includes('webhook_rejected:400'));
    assert.ok(all.includes('sf_save_error:required_field_missing'));
    assert.equal(new Set(all).size, all.length);
  });
});

describe('priorityOf', () => {
  it('is severity weight × frequency', () => {
    assert.deepEqual(SEVERITY_WEIGHT, { low: 1, medium: 3, high: 9, critical: 27 });
    assert.equal(priorityOf({ severity: 'low' }, 50), 50);
    assert.equal(priorityOf({ severity: 'medium' }, 3), 9);
    assert.equal(priorityOf({ severity: 'high' }, 5), 45);
    assert.equal(priorityOf({ severity: 'critical' }, 2), 54);
  });

  it('counts a frequency below one as one job', () => {
    assert.equal(priorityOf({ severity: 'high' }, 0), 9);
    assert.equal(priorityOf({ severity: 'medium' }, -4), 3);
  });

  it('ranks a widespread medium issue above a rare high one, as the scan over jobs does', () => {
    const issues = issuesOf(loadExample(LEGACY_3));
    const brand = bySignature(issues, 'unmapped_key:record:brand_legacy');
    assert.ok(priorityOf(brand, 50) > priorityOf({ severity: 'high' }, 3));
    assert.ok(priorityOf(brand, 2) < priorityOf({ severity: 'high' }, 1));
  });
});
