import { appendFile, mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import {
  type CommandIo,
  describeFileError,
  integerOption,
  parseCommandLine,
  processIo,
  runCommand,
  UsageError,
} from './cli-errors.ts';

/**
 * `verity sf-sink`: a local stand-in for the Salesforce Apex REST endpoint that receives
 * verity's result webhooks (PEER-CONTRACT §4). It records every request as one JSON line and
 * answers like Salesforce would, or fails on purpose (`--fail-first`, `--status`) to show retries.
 */

const USAGE = `Usage: verity sf-sink [--port 4010] [--out FILE] [--status 200] [--fail-first N]

Listens on 127.0.0.1 and stores each request as one JSON line in FILE (secrets redacted).

  --port N         port to listen on (default 4010; 0 picks a free one)
  --out FILE       JSON Lines file to append to (its folder is created); omit to only print
  --status CODE    the status every request gets (default 200)
  --fail-first N   answer 503 to the first N requests, then --status (to demonstrate retries)
`;

const DEFAULT_PORT = 4010;
/** The peer accepts bodies up to 10 MB (PEER-CONTRACT §1); a result is far smaller. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Header values that are credentials: they are never written to disk or kept in memory. */
const SECRET_HEADERS = new Set(['x-api-key', 'authorization', 'proxy-authorization', 'cookie']);
const REDACTED = '[redacted]';

export interface SinkRecord {
  readonly receivedAt: string;
  readonly method: string;
  readonly url: string;
  /** Every request header, lower-cased, with credentials replaced by "[redacted]". */
  readonly headers: Readonly<Record<string, string | string[]>>;
  /** The parsed JSON body, or the raw text when it is not JSON ("" when empty). */
  readonly body: unknown;
}

export interface SinkResponse {
  readonly status: number;
  readonly body: unknown;
}

export interface SfSinkOptions {
  /** 0 picks a free port; the returned `url` has the real one. */
  readonly port: number;
  /** Default 127.0.0.1: the sink is for local demos and tests only. */
  readonly host?: string;
  /** JSON Lines file to append each request to; null keeps requests in memory only. */
  readonly out: string | null;
  /** Decides each answer; `index` counts requests from 1. Default: 200 `{success:true, received:true}`. */
  readonly respond?: (record: SinkRecord, index: number) => SinkResponse | Promise<SinkResponse>;
  /** Called once a request is stored, with the answer it is about to get. */
  readonly onRequest?: (record: SinkRecord, response: SinkResponse) => void;
}

export interface SfSink {
  /** Base URL, e.g. `http://127.0.0.1:4010`; append any path. */
  readonly url: string;
  /** Stops listening, closes open connections and waits for pending writes. */
  close(): Promise<void>;
  /** The requests received so far, oldest first. */
  received(): SinkRecord[];
}

export const acceptedResponse: SinkResponse = { status: 200, body: { success: true, received: true } };

/** Answers `failStatus` to the first `count` requests, then `then` (Salesforce down, then back up). */
export function failFirst(
  count: number,
  then: SinkResponse = acceptedResponse,
  failStatus = 503,
): (record: SinkRecord, index: number) => SinkResponse {
  return (_record, index) =>
    index <= count
      ? {
          status: failStatus,
          body: { success: false, error: `sf-sink: failing request ${index} of the first ${count}` },
        }
      : then;
}

export async function startSfSink(options: SfSinkOptions): Promise<SfSink> {
  const records: SinkRecord[] = [];
  const respond = options.respond ?? (() => acceptedResponse);
  let requestCount = 0;
  // Appends are chained so lines land in arrival order and close() can wait for the last one.
  let writes: Promise<void> = Promise.resolve();
  if (options.out !== null) await mkdir(dirname(options.out), { recursive: true });

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const rawBody = await readBody(request);
    if (rawBody === null) {
      send(response, { status: 413, body: { success: false, error: 'body larger than 10 MB' } });
      return;
    }
    requestCount += 1;
    const index = requestCount;
    const record: SinkRecord = {
      receivedAt: new Date().toISOString(),
      method: request.method ?? 'GET',
      url: request.url ?? '/',
      headers: redactHeaders(request.headers),
      body: parseBody(rawBody),
    };
    records.push(record);
    const out = options.out;
    if (out !== null) {
      writes = writes.then(() => appendFile(out, `${JSON.stringify(record)}\n`, 'utf8'));
      await writes;
    }
    const answer = await respond(record, index);
    options.onRequest?.(record, answer);
    send(response, answer);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        send(response, {
          status: 500,
          body: { success: false, error: `sf-sink: ${describeFileError(error)}` },
        });
      }
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${urlHost}:${address.port}`,
    received: () => [...records],
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections would hold close() open until they time out.
        server.closeAllConnections();
      });
      await writes.catch(() => undefined);
    },
  };
}

async function readBody(request: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(text: string): unknown {
  if (text === '') return '';
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function redactHeaders(headers: IncomingMessage['headers']): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    // Node lower-cases header names already; doing it again keeps the promise explicit.
    const lowerName = name.toLowerCase();
    result[lowerName] = SECRET_HEADERS.has(lowerName) ? REDACTED : value;
  }
  return result;
}

function send(response: ServerResponse, answer: SinkResponse): void {
  const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  response.writeHead(answer.status, {
    'content-type': typeof answer.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

/** `POST /path sessionId=… SF_Catalog_Id=… Status=… → 200`, reading the §4.2 envelope when present. */
export function describeSinkRequest(record: SinkRecord, response: SinkResponse): string {
  const body = asObject(record.body);
  const data = asObject(body?.data);
  const verification = asObject(data?.Verification);
  const parts = [`${record.method} ${record.url}`];
  const sessionId = body?.sessionId ?? verification?.verification_session_id;
  const catalogId = data?.SF_Catalog_Id ?? body?.SF_Catalog_Id;
  const status = data?.Status ?? body?.Status ?? body?.status;
  if (sessionId !== undefined) parts.push(`sessionId=${String(sessionId)}`);
  if (catalogId !== undefined) parts.push(`SF_Catalog_Id=${String(catalogId)}`);
  if (status !== undefined) parts.push(`Status=${String(status)}`);
  parts.push(`→ ${response.status}`);
  return parts.join(' ');
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Resolves on the first SIGINT or SIGTERM and removes both listeners. */
function terminationSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/**
 * The command. `until` replaces the wait for SIGINT/SIGTERM (tests pass a promise they
 * resolve themselves).
 */
export async function sfSinkCommand(
  args: string[],
  io: CommandIo = processIo(),
  until: Promise<unknown> | null = null,
): Promise<number> {
  return runCommand('sf-sink', io, async () => {
    const { values, positionals } = parseCommandLine({
      args,
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        out: { type: 'string' },
        status: { type: 'string' },
        'fail-first': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const port = integerOption('port', values.port, DEFAULT_PORT, { min: 0, max: 65535 });
    const status = integerOption('status', values.status, 200, { min: 100, max: 599 });
    const failCount = integerOption('fail-first', values['fail-first'], 0, { min: 0, max: 1_000_000 });
    const steady: SinkResponse =
      status >= 200 && status < 300
        ? { status, body: { success: true, received: true } }
        : { status, body: { success: false, error: `sf-sink: configured to answer ${status}` } };

    let sink: SfSink;
    try {
      sink = await startSfSink({
        port,
        out: values.out ?? null,
        respond: failFirst(failCount, steady),
        onRequest: (record, response) => io.stdout.write(`${describeSinkRequest(record, response)}\n`),
      });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'EADDRINUSE') throw new UsageError(`port ${port} is in use; pick another with --port`);
      throw new UsageError(`cannot start: ${describeFileError(error)}`);
    }
    const storing =
      values.out === undefined ? 'not storing requests (no --out)' : `appending to ${values.out}`;
    io.stderr.write(`sf-sink listening on ${sink.url}, ${storing}; Ctrl-C stops\n`);
    await (until ?? terminationSignal());
    await sink.close();
    io.stderr.write(`sf-sink stopped after ${sink.received().length} requests\n`);
    return 0;
  });
}
