import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { redactUrlCredentials } from './redact-url.ts';

/**
 * pino JSON to stdout and to `logs/combined.log`, so the seed's
 * `tail -f logs/combined.log | grep "Self-Healing"` works. Secrets never reach a log line: the
 * redaction list covers every header and field that carries a key, and every line is written
 * with the credentials of any URL in it masked (`http://***@host`), wherever the URL sits: a
 * field, the message, an error's message or stack.
 */
export const REDACTED_PATHS = [
  'req.headers["x-api-key"]',
  'req.headers.authorization',
  'headers["x-api-key"]',
  'headers["X-API-Key"]',
  'headers.authorization',
  'apiKey',
  'API_KEY',
  'ADMIN_API_KEY',
  'SF_API_KEY',
  'WEBHOOK_SIGNING_SECRET',
  'OPENAI_API_KEY',
  'XAI_API_KEY',
];

/** `60000` → `60`, `1500` → `1.5`, `100` → `0.1`: seconds for the seed's log lines. */
export function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

export function createLogger(options: { level: string; logDir: string | null; stdout?: boolean }): Logger {
  const targets: pino.DestinationStream[] = [];
  if (options.stdout !== false) targets.push(pino.destination({ fd: 1, sync: false }));
  if (options.logDir) {
    mkdirSync(options.logDir, { recursive: true });
    targets.push(pino.destination({ dest: join(options.logDir, 'combined.log'), mkdir: true, sync: false }));
  }
  const streams = targets.map((target) => ({
    stream: { write: (line: string) => target.write(redactUrlCredentials(line)) },
    level: options.level as pino.Level,
  }));
  return pino(
    {
      level: options.level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { service: 'verity' },
    },
    streams.length === 0 ? pino.destination('/dev/null') : pino.multistream(streams),
  );
}
