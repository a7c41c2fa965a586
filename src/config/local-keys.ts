import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from './config.ts';

/**
 * With no API_KEY or ADMIN_API_KEY configured, verity still starts with no setup: it generates
 * random keys once and keeps them in `<data dir>/local-keys.json` (mode 0600), never in a log.
 */
export function withLocalKeys(config: Config, dataDir: string): { config: Config; keyFile: string | null } {
  if (config.API_KEY && config.ADMIN_API_KEY) return { config, keyFile: null };
  const keyFile = join(dataDir, 'local-keys.json');
  let stored: { apiKey?: string; adminApiKey?: string } = {};
  if (existsSync(keyFile)) stored = JSON.parse(readFileSync(keyFile, 'utf8')) as typeof stored;
  const apiKey = stored.apiKey ?? randomBytes(24).toString('base64url');
  const adminApiKey = stored.adminApiKey ?? randomBytes(24).toString('base64url');
  if (stored.apiKey !== apiKey || stored.adminApiKey !== adminApiKey) {
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, `${JSON.stringify({ apiKey, adminApiKey }, null, 2)}\n`, { mode: 0o600 });
  }
  return {
    config: Object.freeze({
      ...config,
      API_KEY: config.API_KEY ?? apiKey,
      ADMIN_API_KEY: config.ADMIN_API_KEY ?? adminApiKey,
    }),
    keyFile,
  };
}
