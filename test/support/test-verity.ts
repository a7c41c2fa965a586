import { join } from 'node:path';
import pino from 'pino';
import { type Config, loadConfig } from '../../src/config/config.ts';
import { startVerity, type Verity, type VerityOptions } from '../../src/main.ts';
import { tempDir } from './temp-dir.ts';

export const TEST_API_KEY = 'test-api-key-0123456789';
export const TEST_ADMIN_KEY = 'test-admin-key-0123456789';

/** A configuration for one test: its own SQLite file and log folder, fixed keys, quiet logs. */
export function testConfig(dir: string, overrides: Record<string, string> = {}): Config {
  return loadConfig({
    DATABASE_URL: `sqlite:${join(dir, 'verity.db')}`,
    LOG_DIR: join(dir, 'logs'),
    LOG_LEVEL: 'silent',
    API_KEY: TEST_API_KEY,
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    PORT: '0',
    HOST: '127.0.0.1',
    WEBHOOK_RETRY_BASE_MS: '50',
    SELF_HEALING_DELAY_AFTER_WEBHOOK: '60000',
    ...overrides,
  });
}

export interface TestVerity extends Verity {
  readonly dir: string;
  /** Stop, and remove the folder unless `keepDir`. */
  close(keepDir?: boolean): Promise<void>;
}

/** Starts verity in-process on a temp database; HTTP is served through `app.inject` unless `http: true`. */
export async function startTestVerity(
  overrides: Record<string, string> = {},
  options: VerityOptions & { dir?: string } = {},
): Promise<TestVerity> {
  const folder = options.dir ? { path: options.dir, remove: () => {} } : tempDir();
  const config = testConfig(folder.path, overrides);
  const verity = await startVerity(config, {
    http: false,
    queuePollMs: 20,
    logger: pino({ level: 'silent' }),
    ...options,
  });
  return {
    ...verity,
    dir: folder.path,
    async close(keepDir = false) {
      await verity.stop();
      if (!keepDir) folder.remove();
    },
  };
}
