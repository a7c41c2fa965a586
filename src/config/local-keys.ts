import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from './config.ts';

/**
 * With API_KEY or ADMIN_API_KEY not configured, verity still starts with no setup: it generates
 * a random key for each one that is unset, once, and keeps it in `<data dir>/local-keys.json`
 * (mode 0600), never in a log. A key that is configured is neither generated nor stored: the
 * file holds only keys that are in use (and any it held before, untouched).
 */

/** The configurable keys, and the field of `local-keys.json` each is kept under. */
const KEY_FIELDS = { API_KEY: 'apiKey', ADMIN_API_KEY: 'adminApiKey' } as const;

export type LocalKeyName = keyof typeof KEY_FIELDS;

/** The keys the configuration leaves unset, which `withLocalKeys` takes from the key file. */
export function unsetKeys(config: Config): LocalKeyName[] {
  return (Object.keys(KEY_FIELDS) as LocalKeyName[]).filter((name) => config[name] === undefined);
}

export function withLocalKeys(
  config: Config,
  dataDir: string,
): { config: Config; keyFile: string | null; fromKeyFile: readonly LocalKeyName[] } {
  const missing = unsetKeys(config);
  if (missing.length === 0) return { config, keyFile: null, fromKeyFile: [] };
  const keyFile = join(dataDir, 'local-keys.json');
  const stored: Partial<Record<string, string>> = existsSync(keyFile)
    ? (JSON.parse(readFileSync(keyFile, 'utf8')) as Partial<Record<string, string>>)
    : {};
  const keys: Partial<Record<LocalKeyName, string>> = {};
  let generated = false;
  for (const name of missing) {
    const field = KEY_FIELDS[name];
    const existing = stored[field];
    if (typeof existing === 'string' && existing !== '') keys[name] = existing;
    else {
      keys[name] = randomBytes(24).toString('base64url');
      stored[field] = keys[name];
      generated = true;
    }
  }
  if (generated) {
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  }
  return { config: Object.freeze({ ...config, ...keys }), keyFile, fromKeyFile: missing };
}

/** For the start line: which keys come from the key file, under which field, and where. */
export function describeLocalKeys(
  fromKeyFile: readonly LocalKeyName[],
  keyFile: string | null,
): string | null {
  if (fromKeyFile.length === 0 || keyFile === null) return null;
  const names = fromKeyFile.join(' and ');
  const fields = fromKeyFile.map((name) => `"${KEY_FIELDS[name]}"`).join(' and ');
  const plural = fromKeyFile.length > 1;
  return `${names} ${plural ? 'are' : 'is'} not set: using the generated ${plural ? 'keys' : 'key'} ${fields} in ${keyFile}`;
}
