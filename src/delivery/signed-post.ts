import { createHmac } from 'node:crypto';
import { redactUrlCredentials } from '../observability/redact-url.ts';

/**
 * One outbound POST of a JSON body, signed and bounded in time. Only configured URLs reach
 * here (Salesforce, allowlisted webhook hosts): verity never requests a URL found in a record.
 */

export interface SignedPostRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  /** HMAC-SHA256 key; when set, `X-Verity-Signature: t=<unix seconds>,v1=<hex>` covers `t.body`. */
  readonly signingSecret?: string | undefined;
  readonly timeoutMs: number;
  readonly now?: () => number;
}

export interface PostOutcome {
  readonly ok: boolean;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly responseBody: string;
  readonly retryAfterMs: number | null;
  readonly durationMs: number;
}

export function signatureHeader(secret: string, timestampSeconds: number, body: string): string {
  const digest = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${digest}`;
}

function retryAfter(header: string | null, now: number): number | null {
  if (header === null) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

export async function signedPost(request: SignedPostRequest): Promise<PostOutcome> {
  const now = request.now ?? Date.now;
  const started = now();
  const headers: Record<string, string> = { 'content-type': 'application/json', ...request.headers };
  if (request.signingSecret) {
    const timestamp = Math.floor(started / 1000);
    headers['x-verity-timestamp'] = String(timestamp);
    headers['x-verity-signature'] = signatureHeader(request.signingSecret, timestamp, request.body);
  }
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    const responseBody = (await response.text()).slice(0, 4000);
    return {
      ok: response.status >= 200 && response.status < 300,
      statusCode: response.status,
      error: response.ok ? null : `HTTP ${response.status}`,
      responseBody,
      retryAfterMs: retryAfter(response.headers.get('retry-after'), now()),
      durationMs: now() - started,
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const message =
      error instanceof Error
        ? error.name === 'TimeoutError'
          ? `timeout after ${request.timeoutMs} ms`
          : error.message
        : String(error);
    return {
      ok: false,
      statusCode: null,
      // fetch names the URL in some errors; the error is stored and logged, its credentials never.
      error: redactUrlCredentials(cause ? `${message} (${cause})` : message),
      responseBody: '',
      retryAfterMs: null,
      durationMs: now() - started,
    };
  }
}
