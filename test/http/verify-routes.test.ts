import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startTestVerity, TEST_API_KEY, type TestVerity } from '../support/test-verity.ts';

const disposal = readFileSync(
  new URL('../../examples/peer-jobs/recent-job-1-IE101WC.json', import.meta.url),
  'utf8',
);
const fan = readFileSync(
  new URL('../../examples/peer-jobs/recent-job-5-310452SNB.json', import.meta.url),
  'utf8',
);
const headers = { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY };

async function storedCounts(verity: TestVerity) {
  const jobs = await verity.db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const work = await verity.db
    .selectFrom('queue_jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return { jobs: Number(jobs.n), queued: Number(work.n) };
}

describe('POST /api/verify/salesforce: bad input gets a 4xx and stores nothing', () => {
  let verity: TestVerity;
  before(async () => {
    verity = await startTestVerity({ BODY_LIMIT_BYTES: '200000' }, { workers: false });
  });
  after(() => verity.close());

  const cases: {
    name: string;
    headers: Record<string, string>;
    payload: string;
    status: number;
    error: RegExp;
  }[] = [
    {
      name: 'no key',
      headers: { 'content-type': 'application/json' },
      payload: disposal,
      status: 401,
      error: /key required/,
    },
    {
      name: 'wrong key',
      headers: { ...headers, 'x-api-key': 'nope' },
      payload: disposal,
      status: 403,
      error: /invalid API key/,
    },
    {
      name: 'wrong key of the same length',
      headers: { ...headers, 'x-api-key': TEST_API_KEY.replace(/.$/, 'X') },
      payload: disposal,
      status: 403,
      error: /invalid/,
    },
    {
      name: 'malformed JSON',
      headers,
      payload: '{"SF_Catalog_Id": "a03',
      status: 400,
      error: /Malformed JSON/,
    },
    { name: 'a JSON array', headers, payload: '[1,2]', status: 400, error: /JSON object/ },
    { name: 'a JSON string', headers, payload: '"a03aZ00000AsOWPQA3"', status: 400, error: /JSON object/ },
    {
      name: 'missing SF_Catalog_Id',
      headers,
      payload: JSON.stringify({ SF_Catalog_Name: 'IE101WC' }),
      status: 400,
      error: /^Missing required field: SF_Catalog_Id$/,
    },
    {
      name: 'missing SF_Catalog_Name',
      headers,
      payload: JSON.stringify({ SF_Catalog_Id: 'a03aZ00000AsOWPQA3' }),
      status: 400,
      error: /^Missing required field: SF_Catalog_Name \(model number\)$/,
    },
    {
      name: 'SF_Catalog_Id that is not a Salesforce id',
      headers,
      payload: JSON.stringify({ SF_Catalog_Id: "'; drop table jobs; --", SF_Catalog_Name: 'X' }),
      status: 400,
      error: /Salesforce id/,
    },
    {
      name: 'SF_Catalog_Name that is not a string',
      headers,
      payload: JSON.stringify({ SF_Catalog_Id: 'a03aZ00000AsOWPQA3', SF_Catalog_Name: { $gt: '' } }),
      status: 400,
      error: /SF_Catalog_Name/,
    },
    {
      name: 'over the body limit',
      headers,
      payload: JSON.stringify({
        SF_Catalog_Id: 'a03aZ00000AsOWPQA3',
        SF_Catalog_Name: 'X',
        pad: 'x'.repeat(250_000),
      }),
      status: 413,
      error: /too large/i,
    },
  ];
  for (const testCase of cases) {
    test(testCase.name, async () => {
      const response = await verity.app.inject({
        method: 'POST',
        url: '/api/verify/salesforce',
        headers: testCase.headers,
        payload: testCase.payload,
      });
      assert.equal(response.statusCode, testCase.status, response.body);
      const body = response.json() as { success: boolean; error: string | { message: string } };
      assert.equal(body.success, false);
      const message = typeof body.error === 'string' ? body.error : body.error.message;
      assert.match(message, testCase.error);
      assert.deepEqual(await storedCounts(verity), { jobs: 0, queued: 0 });
    });
  }

  test('an unsupported content type is refused', async () => {
    const response = await verity.app.inject({
      method: 'POST',
      url: '/api/verify/salesforce',
      headers: { 'content-type': 'application/octet-stream', 'x-api-key': TEST_API_KEY },
      payload: Buffer.from(disposal),
    });
    assert.equal(response.statusCode, 415);
    assert.deepEqual(await storedCounts(verity), { jobs: 0, queued: 0 });
  });
});

describe('verification through the API', () => {
  let verity: TestVerity;
  before(async () => {
    verity = await startTestVerity();
  });
  after(() => verity.close());

  test('202 at once, the raw payload kept unchanged, the result on the status route', async () => {
    const accepted = await verity.app.inject({
      method: 'POST',
      url: '/api/verify/salesforce',
      headers,
      payload: disposal,
    });
    assert.equal(accepted.statusCode, 202);
    const body = accepted.json() as Record<string, unknown>;
    assert.equal(body.success, true);
    assert.equal(body.message, 'Request Received / Processing');
    assert.match(String(body.jobId), /^[0-9a-f-]{36}$/);
    assert.equal(body.SF_Catalog_Id, 'a03aZ00000AsOWPQA3');
    assert.equal(body.SF_Catalog_Name, 'IE101WC');
    assert.equal(body.status, 'queued');
    assert.equal(body.duplicate, false);
    await verity.queue.idle(['verify-record']);

    const stored = await verity.jobs.get(String(body.jobId));
    assert.equal(stored?.raw_payload, disposal, 'raw payload byte-identical');

    const status = await verity.app.inject({
      method: 'GET',
      url: `/api/verify/salesforce/status/${body.jobId}`,
      headers,
    });
    assert.equal(status.statusCode, 200);
    const job = status.json() as {
      status: string;
      result: { Primary_Attributes: Record<string, unknown>; Status: string };
    };
    assert.equal(job.status, 'completed');
    assert.equal(job.result.Primary_Attributes.UPC_GTIN_Verified, '050375006633');
    assert.equal(job.result.Primary_Attributes.Brand_Verified, 'INSINKERATOR');
    assert.equal(job.result.Status, 'success');

    const stats = await verity.app.inject({
      method: 'GET',
      url: '/api/verify/salesforce/queue/stats',
      headers,
    });
    assert.equal((stats.json() as { stats: { completed: number } }).stats.completed, 1);
  });

  test('an identical re-send is recognised and not verified twice; a changed one is', async () => {
    const first = (
      await verity.app.inject({ method: 'POST', url: '/api/verify/salesforce', headers, payload: fan })
    ).json() as {
      jobId: string;
    };
    await verity.queue.idle(['verify-record']);
    // Same content, other key order and spacing: the same record.
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(fan) as object).reverse()));
    const again = await verity.app.inject({
      method: 'POST',
      url: '/api/verify/salesforce',
      headers,
      payload: reordered,
    });
    assert.equal(again.statusCode, 202);
    const againBody = again.json() as { jobId: string; duplicate: boolean; status: string };
    assert.equal(againBody.jobId, first.jobId);
    assert.equal(againBody.duplicate, true);
    assert.equal(againBody.status, 'completed');
    const changed = { ...(JSON.parse(fan) as object), MSRP_Web_Retailer: 429 };
    const third = (
      await verity.app.inject({ method: 'POST', url: '/api/verify/salesforce', headers, payload: changed })
    ).json() as {
      jobId: string;
      duplicate: boolean;
    };
    assert.notEqual(third.jobId, first.jobId);
    assert.equal(third.duplicate, false);
  });

  test('status of an unknown job is 404', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const response = await verity.app.inject({
        method: 'GET',
        url: `/api/verify/salesforce/status/${id}`,
        headers,
      });
      assert.equal(response.statusCode, 404);
      assert.deepEqual(response.json(), { success: false, error: 'Job not found' });
    }
  });

  test('acknowledge records Salesforce flags on the job', async () => {
    const { jobId } = (
      await verity.app.inject({ method: 'POST', url: '/api/verify/salesforce', headers, payload: disposal })
    ).json() as {
      jobId: string;
    };
    const ack = await verity.app.inject({
      method: 'POST',
      url: `/api/verify/salesforce/acknowledge/${jobId}`,
      headers,
      payload: { received: true, processed: true, error: null, salesforce_record_updated: true },
    });
    assert.equal(ack.statusCode, 200);
    assert.deepEqual(ack.json(), {
      success: true,
      message: 'Acknowledgment received',
      jobId,
      SF_Catalog_Id: 'a03aZ00000AsOWPQA3',
    });
    const job = await verity.jobs.get(jobId);
    assert.equal(job?.sf_acknowledged, 1);
    assert.equal(job?.sf_processed, 1);
    const missing = await verity.app.inject({
      method: 'POST',
      url: '/api/verify/salesforce/acknowledge/00000000-0000-4000-8000-000000000000',
      headers,
      payload: {},
    });
    assert.equal(missing.statusCode, 404);
  });

  test('webhook/confirm requires the key (the peer had none) and is stored', async () => {
    const body = {
      sf_catalog_id: 'a03aZ00000AsOWPQA3',
      session_id: 'x',
      status: 'error',
      error_message: 'FIELD_INTEGRITY_EXCEPTION',
    };
    const open = await verity.app.inject({ method: 'POST', url: '/api/webhook/confirm', payload: body });
    assert.equal(open.statusCode, 401);
    const bad = await verity.app.inject({
      method: 'POST',
      url: '/api/webhook/confirm',
      headers,
      payload: { status: 'saved' },
    });
    assert.equal(bad.statusCode, 400);
    const ok = await verity.app.inject({
      method: 'POST',
      url: '/api/webhook/confirm',
      headers,
      payload: body,
    });
    assert.equal(ok.statusCode, 200);
    const { jobId } = ok.json() as { jobId: string };
    const confirmations = await verity.deliveries.confirmationsFor(jobId);
    assert.equal(confirmations.length, 1);
    assert.equal(confirmations[0]?.status, 'error');
    assert.equal(confirmations[0]?.error_message, 'FIELD_INTEGRITY_EXCEPTION');
  });

  test('probes and metrics answer without a key', async () => {
    assert.equal((await verity.app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
    assert.deepEqual((await verity.app.inject({ method: 'GET', url: '/ready' })).json(), { ready: true });
    const metrics = await verity.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /verity_records_received_total\{outcome="accepted"\} \d+/);
    const docs = await verity.app.inject({ method: 'GET', url: '/docs/json' });
    assert.equal(docs.statusCode, 200);
    assert.ok((docs.json() as { paths: Record<string, unknown> }).paths['/api/verify/salesforce']);
  });
});

describe('Salesforce Outbound Message (SOAP)', () => {
  let verity: TestVerity;
  before(async () => {
    verity = await startTestVerity({ SF_OUTBOUND_ORG_IDS: '00Dxx0000001gPL' }, { workers: false });
  });
  after(() => verity.close());

  const envelope = (org: string) => `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>${org}</OrganizationId>
   <ActionId>04kxx0000000001AAA</ActionId>
   <Notification>
    <Id>04lxx0000000001AAA</Id>
    <sObject xsi:type="sf:Catalog__c" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
     <sf:Id>a03aZ00000AsOWPQA3</sf:Id>
     <sf:Name>IE101WC</sf:Name>
     <sf:Brand_Web_Retailer__c>INSINKERATOR &amp; CO</sf:Brand_Web_Retailer__c>
    </sObject>
   </Notification>
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>`;

  test('an allowed organisation gets the Ack and its record is stored', async () => {
    const response = await verity.app.inject({
      method: 'POST',
      url: '/api/salesforce/outbound-message',
      headers: { 'content-type': 'text/xml; charset=utf-8' },
      payload: envelope('00Dxx0000001gPLEAY'),
    });
    assert.equal(response.statusCode, 200);
    assert.match(response.body, /<Ack>true<\/Ack>/);
    const job = await verity.jobs.latestBySfCatalogId('a03aZ00000AsOWPQA3');
    assert.equal(job?.sf_catalog_name, 'IE101WC');
    assert.equal(
      (JSON.parse(job!.raw_payload) as Record<string, string>).Brand_Web_Retailer__c,
      'INSINKERATOR & CO',
    );
  });

  test('another organisation gets a SOAP fault and nothing is stored', async () => {
    const before = await storedCounts(verity);
    const response = await verity.app.inject({
      method: 'POST',
      url: '/api/salesforce/outbound-message',
      headers: { 'content-type': 'text/xml' },
      payload: envelope('00Dzz0000009999'),
    });
    assert.equal(response.statusCode, 403);
    assert.match(response.body, /soapenv:Fault/);
    assert.deepEqual(await storedCounts(verity), before);
  });
});
