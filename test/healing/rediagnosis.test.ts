import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { postRecord, readPayload, settle } from '../support/heal-fixtures.ts';
import { startReceiver } from '../support/loopback-receiver.ts';
import { startTestVerity } from '../support/test-verity.ts';

/**
 * A signature whose run ended without a fix (escalated, or agreed unfixable) waits for a person:
 * later jobs with the same key join the record of issues but start no new run, until twice as many
 * jobs carry it as when it was last diagnosed. So with one job after another, runs start at the
 * 1st, 2nd, 4th and 8th job, not at every one.
 */
test('an unfixable signature is diagnosed again only when its evidence has doubled', async () => {
  const sink = await startReceiver();
  const verity = await startTestVerity({
    SF_WEBHOOK_URL: sink.url,
    SELF_HEALING_DELAY_AFTER_WEBHOOK: '20',
    SELF_HEALING_AUTO_APPROVE_LOW_RISK: 'true',
  });
  const signature = 'unmapped_key:record:zq_widget_flag';
  try {
    const base = readPayload(
      join(import.meta.dirname, '../../examples/peer-jobs/recent-job-5-310452SNB.json'),
    );
    const runsAfter: number[] = [];
    for (let index = 1; index <= 8; index += 1) {
      const id = `a0${String(index).padStart(3, '0')}VEq8VVMj84jhZ`;
      const { statusCode } = await postRecord(verity.app, {
        ...base,
        SF_Catalog_Id: id.slice(0, 18),
        Zq_Widget_Flag: `qx-${index}`,
      });
      assert.equal(statusCode, 202);
      const logs = await settle(verity.app, verity.queue);
      runsAfter.push(logs.filter((log) => log.signature === signature).length);
    }
    const unfixable = (await settle(verity.app, verity.queue)).filter((log) => log.signature === signature);
    assert.ok(
      unfixable.every((log) => ['escalated', 'no_fix'].includes(log.state)),
      unfixable.map((log) => `${log.state}: ${log.outcomeReason}`).join('\n'),
    );
    // Runs after each job: started at jobs 1, 2, 4 and 8.
    assert.deepEqual(runsAfter, [1, 2, 2, 3, 3, 3, 3, 4]);
  } finally {
    await verity.close();
    await sink.close();
  }
});
