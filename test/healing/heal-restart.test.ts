import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type HealLog,
  isCorrection,
  isLegacySignature,
  LEGACY_FILES,
  PEER_FILES,
  sleep,
  startRespondingReceiver,
} from '../support/heal-fixtures.ts';
import type { ReceivedRequest } from '../support/loopback-receiver.ts';
import { tempDir } from '../support/temp-dir.ts';
import { TEST_ADMIN_KEY, TEST_API_KEY } from '../support/test-verity.ts';

/**
 * Crash the process at each phase boundary of a heal run (SIGKILL: nothing is flushed, nothing
 * is cleaned up), start it again on the same SQLite file, and check the run still ends once:
 * one activated version with the fix, one correction per affected job, and a correction sent
 * again after a crash carries the same idempotency key.
 */

const CHILD = fileURLToPath(new URL('../support/verity-child.ts', import.meta.url));

interface Child {
  readonly process: ChildProcess;
  readonly url: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly output: () => string;
}

async function startChild(
  dir: string,
  config: Record<string, string>,
  kill: Record<string, string>,
): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: {
      ...process.env,
      VERITY_CHILD_DIR: dir,
      VERITY_CHILD_CONFIG: JSON.stringify(config),
      ...kill,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const deadline = Date.now() + 20_000;
  for (;;) {
    const line = stdout.split('\n').find((text) => text.startsWith('{"url"'));
    if (line) {
      const { url } = JSON.parse(line) as { url: string };
      return { process: child, url, exited, output: () => `${stdout}\n${stderr}` };
    }
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`child did not start: ${stdout}\n${stderr}`);
    }
    await sleep(20);
  }
}

async function post(url: string, path: string, body: string): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'x-api-key': TEST_API_KEY, 'content-type': 'application/json' },
    body,
  });
  return { status: response.status, json: await response.json() };
}

async function runs(url: string): Promise<HealLog[]> {
  const response = await fetch(`${url}/api/self-healing/history?limit=500`, {
    headers: { 'x-api-key': TEST_ADMIN_KEY },
  });
  assert.equal(response.status, 200);
  return ((await response.json()) as { logs: HealLog[] }).logs;
}

/** The promise's value, or null after `ms` (the timer is cleared either way). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const WORKING = new Set(['detected', 'attempting', 'final_validation', 'activating', 'correcting']);
const header = (request: ReceivedRequest, name: string) => String(request.headers[name] ?? '');

interface Boundary {
  readonly name: string;
  /** Env for the first start: the kill switch. */
  readonly kill: Record<string, string>;
  /** Kill the child when the first correction arrives, before it is answered. */
  readonly killOnFirstCorrection?: boolean;
  /** A correction may arrive twice (its POST was cut by the crash). */
  readonly mayRepeat: boolean;
}

const BOUNDARIES: Boundary[] = [
  { name: 'detected', kill: { KILL_AT_STATE: 'detected' }, mayRepeat: false },
  { name: 'attempting', kill: { KILL_AT_STATE: 'attempting' }, mayRepeat: false },
  { name: 'final_validation', kill: { KILL_AT_STATE: 'final_validation' }, mayRepeat: false },
  { name: 'activating', kill: { KILL_AT_STATE: 'activating' }, mayRepeat: false },
  { name: 'correcting', kill: { KILL_AT_STATE: 'correcting' }, mayRepeat: true },
  { name: 'mid-correction POST', kill: {}, killOnFirstCorrection: true, mayRepeat: true },
  { name: 'after the first acknowledged correction', kill: { KILL_AFTER_CORRECTIONS: '1' }, mayRepeat: true },
];

/** How many `_Legacy` activation lines self_healing_changes.log holds after the crash at `correcting`. */
let resolveCorrectingActivations: (count: number) => void = () => {};
const correctingActivations = new Promise<number>((resolve) => {
  resolveCorrectingActivations = resolve;
});

// Two at a time: each case is mostly waiting on its child processes.
describe('a SIGKILL at each phase boundary, then a restart on the same data', { concurrency: 2 }, () => {
  for (const boundary of BOUNDARIES) {
    it(`a crash at ${boundary.name} still heals the _Legacy rename once`, { timeout: 50_000 }, async () => {
      const folder = tempDir('verity-restart-');
      let current: Child | null = null;
      let killedByReceiver = false;
      const sink = await startRespondingReceiver((request) => {
        if (boundary.killOnFirstCorrection && isCorrection(request) && !killedByReceiver && current) {
          killedByReceiver = true;
          current.process.kill('SIGKILL');
          return null;
        }
        return 200;
      });
      const config = {
        SF_WEBHOOK_URL: sink.url,
        SF_API_KEY: 'sf-key-restart',
        WEBHOOK_SIGNING_SECRET: 'secret-restart',
        SELF_HEALING_DELAY_AFTER_WEBHOOK: '100',
        SELF_HEALING_AUTO_APPROVE_LOW_RISK: 'true',
        WEBHOOK_RETRY_BASE_MS: '50',
        WEBHOOK_TIMEOUT_MS: '2000',
      };
      try {
        current = await startChild(folder.path, config, {
          KILL_SIGNATURE_LIKE: 'unmapped_key:record:%_legacy',
          ...boundary.kill,
        });
        const first = current;
        // The peer jobs are the stored evidence that makes the pair see one family rename (without
        // them each _Legacy key gets its own alias run).
        for (const file of PEER_FILES)
          await post(first.url, '/api/verify/salesforce', readFileSync(file, 'utf8'));
        const legacyJobs: string[] = [];
        for (const file of LEGACY_FILES) {
          const { status, json } = await post(
            first.url,
            '/api/verify/salesforce',
            readFileSync(file, 'utf8'),
          );
          assert.equal(status, 202);
          legacyJobs.push((json as { jobId: string }).jobId);
        }
        const killed = await within(first.exited, 25_000);
        assert.ok(killed, `the child was not killed at ${boundary.name}: ${first.output()}`);
        assert.equal(killed.signal, 'SIGKILL', first.output());
        if (boundary.killOnFirstCorrection) assert.ok(killedByReceiver);
        const state = boundary.kill.KILL_AT_STATE;
        if (state) assert.match(first.output(), new RegExp(`"killed":"[0-9a-f-]+ in ${state}"`));

        // Start again on the same data, without the kill switch, and wait for the heal to end.
        current = await startChild(folder.path, config, {});
        const second = current;
        const deadline = Date.now() + 25_000;
        let quietSince: number | null = null;
        let logs: HealLog[] = [];
        for (;;) {
          logs = await runs(second.url);
          const corrected = new Set(sink.requests.filter(isCorrection).map((r) => header(r, 'x-job-id')));
          const done =
            !logs.some((log) => WORKING.has(log.state)) &&
            logs.some((log) => isLegacySignature(log.signature) && log.state === 'completed') &&
            legacyJobs.every((jobId) => corrected.has(jobId));
          if (done) {
            quietSince ??= Date.now();
            if (Date.now() - quietSince > 500) break;
          } else {
            quietSince = null;
          }
          if (Date.now() > deadline) {
            throw new Error(
              `not healed after restart: ${logs.map((log) => `${log.signature}=${log.state}`).join(', ')}; corrections for ${[...corrected]}`,
            );
          }
          await sleep(50);
        }

        // The run completed once; every other _Legacy run stopped without activating anything.
        const legacy = logs.filter((log) => isLegacySignature(log.signature));
        const completed = legacy.filter((log) => log.state === 'completed');
        assert.equal(completed.length, 1, JSON.stringify(legacy.map((log) => [log.signature, log.state])));
        const winner = completed[0]!;
        assert.equal(winner.finalOutcome, 'success');
        for (const log of legacy) {
          if (log !== winner) {
            assert.equal(log.state, 'superseded', `${log.signature}: ${log.state} ${log.outcomeReason}`);
            assert.equal(log.activatedVersion, null);
          }
        }
        const version = winner.activatedVersion;
        assert.ok(version !== null);

        // Exactly one activation carries the fix (the changes log is written after the commit, so
        // a crash between the two may leave it out; the rule set list is the record).
        const listed = (await (
          await fetch(`${second.url}/api/rule-sets`, { headers: { 'x-api-key': TEST_ADMIN_KEY } })
        ).json()) as {
          active: number;
          versions: { version: number; healRunId: string | null; fixOps: unknown }[];
        };
        const activatedByRuns = new Set(logs.map((log) => log.activatedVersion).filter((v) => v !== null));
        const legacyActivations = [...activatedByRuns].filter((v) =>
          JSON.stringify(listed.versions.find((entry) => entry.version === v)?.fixOps).includes('_Legacy'),
        );
        assert.deepEqual(legacyActivations, [version]);
        assert.ok(listed.active >= version);
        const changesLog = join(folder.path, 'logs', 'self_healing_changes.log');
        if (existsSync(changesLog)) {
          const activations = (existsSync(changesLog) ? readFileSync(changesLog, 'utf8') : '')
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line) as { action: string; ops: unknown; toVersion: number })
            .filter((entry) => entry.action === 'activate' && JSON.stringify(entry.ops).includes('_Legacy'));
          assert.ok(activations.length <= 1, JSON.stringify(activations));
          if (boundary.name === 'correcting') resolveCorrectingActivations(activations.length);
          for (const entry of activations) assert.equal(entry.toVersion, version);
        }

        // One correction per job, one idempotency key per job.
        const corrections = sink.requests.filter(isCorrection);
        const byJob = new Map<string, ReceivedRequest[]>();
        for (const request of corrections) {
          const jobId = header(request, 'x-job-id');
          byJob.set(jobId, [...(byJob.get(jobId) ?? []), request]);
        }
        assert.deepEqual([...byJob.keys()].sort(), [...legacyJobs].sort());
        let repeated = 0;
        for (const [jobId, received] of byJob) {
          const keys = new Set(received.map((request) => header(request, 'idempotency-key')));
          assert.deepEqual(keys, new Set([`${jobId}:correction:${version}`]), `idempotency keys of ${jobId}`);
          if (received.length > 1) repeated += 1;
          assert.ok(received.length <= 2, `${jobId} got ${received.length} corrections`);
        }
        // Only a POST the crash cut can be repeated: none before corrections start; the one held
        // unanswered when the receiver killed the sender is sent again, with the same key.
        if (!boundary.mayRepeat) assert.equal(repeated, 0, 'a correction was sent twice');
        if (boundary.killOnFirstCorrection) assert.ok(repeated >= 1, 'the cut correction was not sent again');
      } finally {
        if (boundary.name === 'correcting') resolveCorrectingActivations(-1);
        // A crash test needs no graceful stop: SIGKILL the child still running.
        if (current && current.process.exitCode === null && current.process.signalCode === null) {
          current.process.kill('SIGKILL');
          await within(current.exited, 5_000);
        }
        await sink.close();
        folder.remove();
      }
    });
  }

  it('self_healing_changes.log records the activation even when the process dies right after it', async () => {
    assert.equal(await correctingActivations, 1);
  });
});
