import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/config.ts';
import { describeLocalKeys, withLocalKeys } from '../../src/config/local-keys.ts';
import { tempDir } from '../support/temp-dir.ts';

const readKeys = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;

test('API_KEY set, ADMIN_API_KEY unset: only the admin key is generated and stored', () => {
  const folder = tempDir();
  try {
    const { config, keyFile, fromKeyFile } = withLocalKeys(loadConfig({ API_KEY: 'from-env' }), folder.path);
    assert.equal(config.API_KEY, 'from-env');
    assert.deepEqual(fromKeyFile, ['ADMIN_API_KEY']);
    assert.equal(keyFile, join(folder.path, 'local-keys.json'));
    const stored = readKeys(keyFile);
    assert.deepEqual(Object.keys(stored), ['adminApiKey']);
    assert.equal(stored.adminApiKey, config.ADMIN_API_KEY);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.equal(
      describeLocalKeys(fromKeyFile, keyFile),
      `ADMIN_API_KEY is not set: using the generated key "adminApiKey" in ${keyFile}`,
    );
  } finally {
    folder.remove();
  }
});

test('both unset: both generated once, the same on the next start', () => {
  const folder = tempDir();
  try {
    const first = withLocalKeys(loadConfig({}), folder.path);
    const second = withLocalKeys(loadConfig({}), folder.path);
    assert.deepEqual(first.fromKeyFile, ['API_KEY', 'ADMIN_API_KEY']);
    assert.equal(second.config.API_KEY, first.config.API_KEY);
    assert.equal(second.config.ADMIN_API_KEY, first.config.ADMIN_API_KEY);
    assert.notEqual(first.config.API_KEY, first.config.ADMIN_API_KEY);
    assert.equal(
      describeLocalKeys(first.fromKeyFile, first.keyFile),
      `API_KEY and ADMIN_API_KEY are not set: using the generated keys "apiKey" and "adminApiKey" in ${first.keyFile}`,
    );
  } finally {
    folder.remove();
  }
});

test('both set: nothing generated, no file', () => {
  const folder = tempDir();
  try {
    const result = withLocalKeys(loadConfig({ API_KEY: 'a', ADMIN_API_KEY: 'b' }), folder.path);
    assert.equal(result.keyFile, null);
    assert.deepEqual(result.fromKeyFile, []);
    assert.equal(existsSync(join(folder.path, 'local-keys.json')), false);
    assert.equal(describeLocalKeys(result.fromKeyFile, result.keyFile), null);
  } finally {
    folder.remove();
  }
});

test('a key set later wins over the stored one; the file is not rewritten for it', () => {
  const folder = tempDir();
  try {
    const file = join(folder.path, 'local-keys.json');
    writeFileSync(file, `${JSON.stringify({ apiKey: 'old-api', adminApiKey: 'old-admin' })}\n`);
    const result = withLocalKeys(loadConfig({ API_KEY: 'new-api' }), folder.path);
    assert.equal(result.config.API_KEY, 'new-api');
    assert.equal(result.config.ADMIN_API_KEY, 'old-admin');
    assert.deepEqual(result.fromKeyFile, ['ADMIN_API_KEY']);
  } finally {
    folder.remove();
  }
});

test('`verity serve` with API_KEY set names only ADMIN_API_KEY in its start line', async () => {
  const folder = tempDir();
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL('../../bin/verity.mjs', import.meta.url)), 'serve'],
    {
      cwd: folder.path,
      env: {
        ...process.env,
        API_KEY: 'from-env-0123456789',
        ADMIN_API_KEY: '',
        DATABASE_URL: 'sqlite:./data/verity.db',
        LOG_DIR: './logs',
        LOG_LEVEL: 'silent',
        PORT: '0',
        HOST: '127.0.0.1',
        SELF_HEALING_ENABLED: 'false',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error(`no start line: ${text}`)), 20_000);
      child.stderr.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        if (text.includes('\n')) {
          clearTimeout(timer);
          resolve(text.split('\n')[0]!);
        }
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${text}`)));
    });
    const keyFile = join(folder.path, 'data', 'local-keys.json');
    assert.match(line, /^verity listening on http:\/\/127\.0\.0\.1:\d+ /);
    assert.ok(
      line.endsWith(`; ADMIN_API_KEY is not set: using the generated key "adminApiKey" in ${keyFile})`),
      line,
    );
    assert.deepEqual(Object.keys(readKeys(keyFile)), ['adminApiKey']);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    folder.remove();
  }
});
