import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { tempDir } from '../support/temp-dir.ts';

const run = promisify(execFile);

/**
 * `verity demo` end to end, as a user runs it, on a small set of the examples: the peer's real
 * jobs, then the `_Legacy` rename of three of them. Everything stays on 127.0.0.1.
 */
test('the demo replays records, delivers their webhooks, heals the _Legacy rename and reports the results after it', async () => {
  const folder = tempDir();
  try {
    const examples = join(folder.path, 'examples');
    // Numbered so the peer's `_Manual` jobs are replayed first, as a store with history would hold them.
    cpSync(join('examples', 'peer-jobs'), join(examples, '1-peer-jobs'), { recursive: true });
    cpSync(join('examples', 'legacy-rename'), join(examples, '2-legacy-rename'), { recursive: true });
    const { stdout } = await run(
      process.execPath,
      [
        'bin/verity.mjs',
        'demo',
        '--examples',
        examples,
        '--dir',
        join(folder.path, 'demo'),
        '--heal-delay',
        '200',
      ],
      { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
    );
    // 15 files: 4 lack a required field, 3 re-send a job already received.
    assert.match(stdout, /accepted\s+8\b/);
    assert.match(
      stdout,
      /Webhooks: 8 result deliveries reached the Salesforce stand-in; 8 jobs marked delivered/,
    );
    assert.match(
      stdout,
      /✔ unmapped_key:record:\w+_legacy: .*→ rule set v\d+; 3 correction\(s\) acknowledged/,
    );
    const after = /results now, after the corrections: (.*)/.exec(stdout)?.[1] ?? '';
    const total = [...after.matchAll(/(\d+) \w+/g)].reduce((sum, match) => sum + Number(match[1]), 0);
    assert.equal(total, 8, after);
    // The corrected legacy records verify better than they did before the heal.
    const verifiedBefore = Number(/\n\s+verified\s+(\d+)/.exec(stdout)?.[1]);
    const verifiedAfter = Number(/(\d+) verified/.exec(after)?.[1] ?? 0);
    assert.ok(verifiedAfter > verifiedBefore, `${verifiedBefore} verified before, after: ${after}`);
    assert.match(stdout, /metrics \(GET \/api\/self-healing\/metrics\): \{"totalIssuesDetected":\d+/);
  } finally {
    folder.remove();
  }
});
