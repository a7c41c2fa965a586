import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MAX_RECORD_DEPTH, nestedDeeperThan } from '../../src/http/record-validation.ts';
import { startTestVerity, TEST_API_KEY, type TestVerity } from '../support/test-verity.ts';

const headers = { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY };

/** A record whose `Extra` field nests `levels` more objects, built as text (no recursion). */
function nestedRecord(levels: number): string {
  const inner = `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
  return `{"SF_Catalog_Id":"a03aZ00000AsOWPQA3","SF_Catalog_Name":"IE101WC","Extra":${inner}}`;
}

test('nestedRecord builds the depth it says', () => {
  for (const levels of [1, 2, 3, 10, 63]) {
    const record = JSON.parse(nestedRecord(levels)) as unknown;
    assert.equal(nestedDeeperThan(record, levels + 1), false);
    assert.equal(nestedDeeperThan(record, levels), true);
  }
});

describe('records nested too deeply', () => {
  let verity: TestVerity;
  before(async () => {
    verity = await startTestVerity({}, { workers: false });
  });
  after(() => verity.close());

  async function post(payload: string) {
    return verity.app.inject({ method: 'POST', url: '/api/verify/salesforce', headers, payload });
  }

  test('50,000 levels in a 300 KB body: 400 naming the problem, nothing stored', async () => {
    const payload = nestedRecord(50_000);
    assert.ok(payload.length > 290_000 && payload.length < 310_000);
    const response = await post(payload);
    assert.equal(response.statusCode, 400, response.body);
    assert.deepEqual(response.json(), {
      success: false,
      error: `Invalid record: objects and arrays are nested more than ${MAX_RECORD_DEPTH} levels deep`,
      jobId: null,
    });
    assert.equal((await verity.jobs.statusCounts()).pending, 0);
  });

  test('the limit is exact: the record plus 63 levels is accepted, plus 64 is not', async () => {
    const deepest = await post(nestedRecord(MAX_RECORD_DEPTH - 1));
    assert.equal(deepest.statusCode, 202, deepest.body);
    const tooDeep = await post(nestedRecord(MAX_RECORD_DEPTH));
    assert.equal(tooDeep.statusCode, 400, tooDeep.body);
    assert.match(tooDeep.body, /nested more than 64 levels/);
  });
});
