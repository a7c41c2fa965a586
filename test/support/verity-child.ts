import pino from 'pino';
import { startVerity } from '../../src/main.ts';
import { testConfig } from './test-verity.ts';

/**
 * verity in a child process, for crash tests: `node --import tsx test/support/verity-child.ts`.
 *
 *   VERITY_CHILD_DIR       data folder (SQLite file and logs), kept across restarts
 *   VERITY_CHILD_CONFIG    JSON object of configuration overrides (SF_WEBHOOK_URL, …)
 *   KILL_AT_STATE          SIGKILL this process as soon as a heal run is in this state
 *   KILL_SIGNATURE_LIKE    … a run whose signature matches this SQL LIKE pattern (default any)
 *   KILL_AFTER_CORRECTIONS SIGKILL once this many corrections are acknowledged
 *
 * Prints one JSON line `{"url": …}` when it listens.
 */

const dir = process.env.VERITY_CHILD_DIR;
if (!dir) throw new Error('VERITY_CHILD_DIR is required');
const overrides = JSON.parse(process.env.VERITY_CHILD_CONFIG ?? '{}') as Record<string, string>;
const killAtState = process.env.KILL_AT_STATE ?? null;
const signatureLike = process.env.KILL_SIGNATURE_LIKE ?? '%';
const killAfterCorrections = process.env.KILL_AFTER_CORRECTIONS
  ? Number(process.env.KILL_AFTER_CORRECTIONS)
  : null;

const verity = await startVerity(testConfig(dir, { LOG_LEVEL: 'silent', ...overrides }), {
  http: true,
  queuePollMs: 20,
  logger: pino({ level: 'silent' }),
});

const die = (why: string) => {
  process.stdout.write(`${JSON.stringify({ killed: why })}\n`);
  process.kill(process.pid, 'SIGKILL');
};

if (killAtState !== null || killAfterCorrections !== null) {
  // A tight poll on the same database: the heal steps await between their writes, so this
  // interval runs between them and sees each committed state.
  const timer = setInterval(async () => {
    if (killAtState !== null) {
      const run = await verity.db
        .selectFrom('self_healing_logs')
        .select(['id', 'state'])
        .where('state', '=', killAtState)
        .where('signature', 'like', signatureLike)
        .executeTakeFirst();
      if (run) die(`${run.id} in ${run.state}`);
    }
    if (killAfterCorrections !== null) {
      const row = await verity.db
        .selectFrom('heal_run_jobs')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('correction_status', '=', 'acknowledged')
        .executeTakeFirstOrThrow();
      if (Number(row.count) >= killAfterCorrections) die(`${row.count} corrections acknowledged`);
    }
  }, 2);
  timer.unref();
}

process.stdout.write(`${JSON.stringify({ url: verity.url })}\n`);

const stop = async () => {
  await verity.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
