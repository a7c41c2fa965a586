import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { ReceivedRequest } from './loopback-receiver.ts';
import { TEST_ADMIN_KEY, TEST_API_KEY } from './test-verity.ts';

/** Shared pieces of the heal tests: the example records, HTTP calls, and waiting for heals to settle. */

const EXAMPLES = fileURLToPath(new URL('../../examples', import.meta.url));

export const PEER_FILES = readdirSync(join(EXAMPLES, 'peer-jobs'))
  .sort()
  .map((file) => join(EXAMPLES, 'peer-jobs', file));
export const LEGACY_FILES = readdirSync(join(EXAMPLES, 'legacy-rename'))
  .sort()
  .map((file) => join(EXAMPLES, 'legacy-rename', file));

export type Payload = Record<string, unknown>;

export function readPayload(file: string): Payload {
  return JSON.parse(readFileSync(file, 'utf8')) as Payload;
}

/** The signatures the `_Legacy` rename produces: one per renamed key. */
export const isLegacySignature = (signature: string) => /^unmapped_key:record:.*_legacy$/.test(signature);

export interface Injector {
  inject: FastifyInstance['inject'];
}

export async function postRecord(
  app: Injector,
  payload: Payload | string,
): Promise<{ statusCode: number; jobId: string | null }> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/verify/salesforce',
    headers: { 'x-api-key': TEST_API_KEY, 'content-type': 'application/json' },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
  const body = response.json() as { jobId?: string | null };
  return { statusCode: response.statusCode, jobId: body.jobId ?? null };
}

/** Posts files in order; returns the distinct job ids accepted. */
export async function postFiles(app: Injector, files: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const file of files) {
    const { statusCode, jobId } = await postRecord(app, readFileSync(file, 'utf8'));
    if (statusCode === 202 && jobId && !ids.includes(jobId)) ids.push(jobId);
  }
  return ids;
}

export async function adminGet<T = Record<string, unknown>>(app: Injector, url: string): Promise<T> {
  const response = await app.inject({ method: 'GET', url, headers: { 'x-api-key': TEST_ADMIN_KEY } });
  if (response.statusCode !== 200) throw new Error(`GET ${url}: ${response.statusCode} ${response.body}`);
  return response.json() as T;
}

export async function adminPost(
  app: Injector,
  url: string,
  payload: unknown = {},
): Promise<{ statusCode: number; body: Record<string, unknown> }> {
  const response = await app.inject({
    method: 'POST',
    url,
    headers: { 'x-api-key': TEST_ADMIN_KEY, 'content-type': 'application/json' },
    payload: JSON.stringify(payload),
  });
  return { statusCode: response.statusCode, body: response.json() as Record<string, unknown> };
}

export async function jobStatus(app: Injector, jobId: string): Promise<Record<string, unknown>> {
  const response = await app.inject({
    method: 'GET',
    url: `/api/verify/salesforce/status/${jobId}`,
    headers: { 'x-api-key': TEST_API_KEY },
  });
  if (response.statusCode !== 200) throw new Error(`status ${jobId}: ${response.statusCode}`);
  return response.json() as Record<string, unknown>;
}

/** The seed's `self_healing_logs` record as GET /api/self-healing/history returns it. */
export interface HealLog {
  id: string;
  jobId: string;
  signature: string;
  state: string;
  finalOutcome: string | null;
  outcomeReason: string | null;
  activatedVersion: number | null;
  stagedVersion: number | null;
  [field: string]: unknown;
}

export async function history(app: Injector): Promise<HealLog[]> {
  const body = await adminGet<{ logs: HealLog[] }>(app, '/api/self-healing/history?limit=500');
  return body.logs;
}

const WORKING = new Set(['detected', 'attempting', 'final_validation', 'activating', 'correcting']);

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Wait until nothing is left to do: every run is over or waits for a person, and no queue job
 * is queued or running (delayed scans and correction retries count as work left).
 */
export async function settle(
  app: Injector,
  queue: { counts(): Promise<{ queued: number; active: number }> },
  // Generous: a heal settles in seconds alone, but CI runs two test files at once on two cores.
  timeoutMs = 60_000,
): Promise<HealLog[]> {
  const deadline = Date.now() + timeoutMs;
  let quietSince: number | null = null;
  for (;;) {
    const counts = await queue.counts();
    const logs = await history(app);
    const busy = counts.queued + counts.active > 0 || logs.some((log) => WORKING.has(log.state));
    if (!busy) {
      quietSince ??= Date.now();
      if (Date.now() - quietSince >= 150) return logs;
    } else {
      quietSince = null;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `not settled after ${timeoutMs} ms: queue ${JSON.stringify(counts)}, runs ${logs
          .map((log) => `${log.signature}=${log.state}`)
          .join(', ')}`,
      );
    }
    await sleep(50);
  }
}

export const isCorrection = (request: ReceivedRequest) => request.headers['x-correction-type'] !== undefined;

export { startRespondingReceiver } from './loopback-receiver.ts';
