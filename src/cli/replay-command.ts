import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import cliProgress from 'cli-progress';
import {
  type CommandIo,
  describeFileError,
  integerOption,
  type OutputStream,
  parseCommandLine,
  processIo,
  runCommand,
  UsageError,
} from './cli-errors.ts';

/**
 * `verity replay PATH --url URL --api-key KEY`: sends recorded Salesforce records to a running
 * verity exactly as the org would (one POST per record, PEER-CONTRACT §2), optionally waits for
 * the verdicts, and summarises them: how many were accepted, what verity made of them, and which
 * source keys it could not map yet (what the healer should learn next).
 *
 * Requests go only to the given base URL. Records carry URLs of their own (`webhookUrl`,
 * `Reference_URL`, image links); replay never fetches them.
 */

const USAGE = `Usage: verity replay PATH --url URL --api-key KEY [options]

Sends every record in PATH to URL/api/verify/salesforce. PATH is a JSON file (one record),
a JSONL file (one record per line) or a folder (every *.json file below it except index.json).

  --url URL           verity's base URL, e.g. http://127.0.0.1:3001
  --api-key KEY       the x-api-key to send (default: the API_KEY environment variable)
  --concurrency N     requests in flight at once (default 4)
  --wait              poll each accepted job until it is completed or failed, then summarise results
  --timeout-ms N      how long --wait waits in total (default 120000)
  --poll-ms N         pause between status rounds (default 500)
  --json              print the summary as JSON instead of a table
`;

export type ReplayOutcome = 'verified' | 'partial' | 'failed' | 'data_conflict';

/** `result.Status` → the outcome it stands for (PEER-CONTRACT §5.3, `Status`). */
const OUTCOME_BY_STATUS: Readonly<Record<string, ReplayOutcome>> = {
  success: 'verified',
  partial: 'partial',
  failed: 'failed',
  data_conflict: 'data_conflict',
};

/** The outcome a result's `Status` stands for; `other` for a missing or unknown one. */
export function outcomeOfStatus(status: unknown): ReplayOutcome | 'other' {
  return (typeof status === 'string' ? OUTCOME_BY_STATUS[status] : undefined) ?? 'other';
}

export interface ReplayOptions {
  /** A JSON file, a JSONL file or a folder of JSON files. */
  readonly path: string;
  /** verity's base URL; the only origin replay sends to. */
  readonly url: string;
  readonly apiKey: string;
  /** Requests in flight at once (default 4). */
  readonly concurrency?: number;
  /** Poll the accepted jobs until they finish and summarise their results (default false). */
  readonly wait?: boolean;
  /** Total time `wait` may take, in ms (default 120000). */
  readonly timeoutMs?: number;
  /** Pause between status polling rounds, in ms (default 500). */
  readonly pollIntervalMs?: number;
  /** Time allowed for one HTTP request, in ms (default 30000). */
  readonly requestTimeoutMs?: number;
  /** Where progress goes: a bar on a terminal, a few plain lines otherwise; null or absent for none. */
  readonly progress?: OutputStream | null;
}

export interface UnmappedKeyCount {
  readonly family: string;
  readonly normalisedKey: string;
  /** The most common original spelling. */
  readonly key: string;
  /** Completed jobs whose result lists this key. */
  readonly count: number;
}

export interface ReplaySummary {
  readonly path: string;
  readonly url: string;
  /** Records found in PATH, sent or not. */
  readonly records: number;
  /** Entries that are not JSON objects: never sent. */
  readonly skipped: readonly { readonly source: string; readonly reason: string }[];
  readonly sent: number;
  /** Records left unsent because the server could not be reached. */
  readonly notSent: number;
  /** 2xx answers with a `jobId` that created a job. */
  readonly accepted: number;
  /** 2xx answers with `duplicate: true`: an identical record already had a job. */
  readonly duplicates: number;
  /** 4xx answers (after retrying 429s). */
  readonly rejected: number;
  /** The first 5 rejections, `source: status message`. */
  readonly rejectedMessages: readonly string[];
  /** 5xx answers, 3xx (redirects are not followed) and 2xx without a `jobId`. */
  readonly serverErrors: number;
  readonly serverErrorMessages: readonly string[];
  /** Requests that got no answer at all (refused, reset, timed out). */
  readonly unreachable: number;
  readonly firstNetworkError: string | null;
  readonly waited: boolean;
  /** Distinct job ids answered, and how polling them ended (all zero without `wait`). */
  readonly jobs: {
    readonly total: number;
    readonly completed: number;
    readonly failed: number;
    /** Still pending or processing when the time ran out, or not found. */
    readonly unfinished: number;
  };
  /** Completed jobs by `result.Status`; `other` counts a missing or unknown Status. */
  readonly outcomes: Readonly<Record<ReplayOutcome | 'other', number>>;
  /** The 10 most common unmapped keys in completed results (`result.Verity_Findings.unmappedKeys`). */
  readonly topUnmappedKeys: readonly UnmappedKeyCount[];
  readonly elapsedMs: number;
}

interface ReplayRecord {
  /** Where the record came from, for messages: `path` or `path line N`. */
  readonly source: string;
  /** Sent unchanged: verity derives the session id from the raw body, as `verity verify` does. */
  readonly body: string;
}

const MESSAGE_SAMPLES = 5;
const TOP_UNMAPPED = 10;
/** A rate-limited record is retried this often, honouring Retry-After (PEER-CONTRACT §1: 429). */
const RATE_LIMIT_ATTEMPTS = 5;
const MAX_RETRY_WAIT_MS = 30_000;

export async function replay(options: ReplayOptions): Promise<ReplaySummary> {
  const started = Date.now();
  const base = baseUrl(options.url);
  const intakeUrl = new URL('api/verify/salesforce', base);
  const concurrency = options.concurrency ?? 4;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const { records, skipped } = await loadRecords(options.path);
  const progress = createProgress(options.progress ?? null);

  let sent = 0;
  let accepted = 0;
  let duplicates = 0;
  let rejected = 0;
  let serverErrors = 0;
  let unreachable = 0;
  let firstNetworkError: string | null = null;
  const rejectedMessages: string[] = [];
  const serverErrorMessages: string[] = [];
  const jobIds = new Set<string>();
  // A server that never answered is down: stop rather than time out once per record.
  const serverDown = (): boolean => unreachable > 0 && accepted + duplicates + rejected + serverErrors === 0;

  progress.start('sending', records.length);
  let done = 0;
  await forEachConcurrently(records, concurrency, serverDown, async (record) => {
    sent += 1;
    const answer = await sendRecord(intakeUrl, options.apiKey, record.body, requestTimeoutMs);
    if (answer.kind === 'unreachable') {
      unreachable += 1;
      firstNetworkError ??= answer.error;
    } else if (
      answer.status >= 200 &&
      answer.status < 300 &&
      typeof asObject(answer.body)?.jobId === 'string'
    ) {
      const body = asObject(answer.body);
      if (body?.duplicate === true) duplicates += 1;
      else accepted += 1;
      jobIds.add(String(body?.jobId));
    } else if (answer.status >= 400 && answer.status < 500) {
      rejected += 1;
      if (rejectedMessages.length < MESSAGE_SAMPLES) {
        rejectedMessages.push(`${record.source}: ${answer.status} ${errorMessage(answer.body)}`);
      }
    } else {
      // 5xx, an unfollowed redirect, or a 2xx without a jobId (the URL is not a verity).
      serverErrors += 1;
      if (serverErrorMessages.length < MESSAGE_SAMPLES) {
        const detail =
          answer.status < 300 ? 'answered without a jobId: is --url a verity?' : errorMessage(answer.body);
        serverErrorMessages.push(`${record.source}: ${answer.status} ${detail}`);
      }
    }
    done += 1;
    progress.update(done, `accepted ${accepted + duplicates}, rejected ${rejected + serverErrors}`);
  });
  progress.stop();

  const outcomes: Record<ReplayOutcome | 'other', number> = {
    verified: 0,
    partial: 0,
    failed: 0,
    data_conflict: 0,
    other: 0,
  };
  const unmapped = new Map<
    string,
    { family: string; normalisedKey: string; count: number; spellings: Map<string, number> }
  >();
  let completed = 0;
  let failedJobs = 0;
  let unfinished = 0;

  if (options.wait === true && jobIds.size > 0 && !serverDown()) {
    const deadline = Date.now() + (options.timeoutMs ?? 120_000);
    const pollIntervalMs = options.pollIntervalMs ?? 500;
    const pending = new Set(jobIds);
    let stopPolling = false;
    progress.start('waiting', jobIds.size);
    while (pending.size > 0 && !stopPolling) {
      await forEachConcurrently(
        [...pending],
        concurrency,
        () => stopPolling,
        async (jobId) => {
          const statusUrl = new URL(`api/verify/salesforce/status/${encodeURIComponent(jobId)}`, base);
          const answer = await getJson(statusUrl, options.apiKey, requestTimeoutMs);
          if (answer.kind === 'unreachable') {
            unreachable += 1;
            firstNetworkError ??= answer.error;
            stopPolling = true;
            return;
          }
          const body = asObject(answer.body);
          if (answer.status === 200 && body?.status === 'completed') {
            pending.delete(jobId);
            completed += 1;
            countResult(asObject(body.result), outcomes, unmapped);
          } else if (answer.status === 200 && body?.status === 'failed') {
            pending.delete(jobId);
            failedJobs += 1;
          } else if (answer.status === 404) {
            // Gone (a different database behind the same URL): it will not finish, so stop asking.
            pending.delete(jobId);
            unfinished += 1;
          }
        },
      );
      progress.update(jobIds.size - pending.size, `completed ${completed}, failed ${failedJobs}`);
      const remaining = deadline - Date.now();
      if (pending.size === 0 || remaining <= 0) break;
      await sleep(Math.min(pollIntervalMs, remaining));
    }
    progress.stop();
    unfinished += pending.size;
  }

  const topUnmappedKeys = [...unmapped.values()]
    .map((entry) => ({
      family: entry.family,
      normalisedKey: entry.normalisedKey,
      key: mostCommon(entry.spellings),
      count: entry.count,
    }))
    .sort(
      (a, b) =>
        b.count - a.count || compareText(`${a.family}:${a.normalisedKey}`, `${b.family}:${b.normalisedKey}`),
    )
    .slice(0, TOP_UNMAPPED);

  return {
    path: options.path,
    url: base.toString(),
    records: records.length + skipped.length,
    skipped,
    sent,
    notSent: records.length - sent,
    accepted,
    duplicates,
    rejected,
    rejectedMessages,
    serverErrors,
    serverErrorMessages,
    unreachable,
    firstNetworkError,
    waited: options.wait === true,
    jobs: { total: jobIds.size, completed, failed: failedJobs, unfinished },
    outcomes,
    topUnmappedKeys,
    elapsedMs: Date.now() - started,
  };
}

function baseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(
      `--url must be an absolute http(s) URL such as http://127.0.0.1:3001 (got "${url}")`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`--url must use http or https (got "${parsed.protocol}")`);
  }
  // A trailing slash keeps a path prefix (a proxy mount) when the API paths are resolved against it.
  if (!parsed.pathname.endsWith('/')) parsed.pathname = `${parsed.pathname}/`;
  parsed.search = '';
  parsed.hash = '';
  return parsed;
}

function countResult(
  result: Record<string, unknown> | undefined,
  outcomes: Record<ReplayOutcome | 'other', number>,
  unmapped: Map<
    string,
    { family: string; normalisedKey: string; count: number; spellings: Map<string, number> }
  >,
): void {
  outcomes[outcomeOfStatus(result?.Status)] += 1;
  const findings = asObject(result?.Verity_Findings);
  const keys = Array.isArray(findings?.unmappedKeys) ? findings.unmappedKeys : [];
  // One result may list a key at several paths; count records, which is what a mapping would fix.
  const seen = new Set<string>();
  for (const item of keys) {
    const entry = asObject(item);
    const family = entry?.family;
    const normalisedKey = entry?.normalisedKey;
    if (typeof family !== 'string' || typeof normalisedKey !== 'string') continue;
    const id = `${family}:${normalisedKey}`;
    const spelling = typeof entry?.key === 'string' ? entry.key : normalisedKey;
    let counted = unmapped.get(id);
    if (counted === undefined) {
      counted = { family, normalisedKey, count: 0, spellings: new Map() };
      unmapped.set(id, counted);
    }
    counted.spellings.set(spelling, (counted.spellings.get(spelling) ?? 0) + 1);
    if (!seen.has(id)) {
      seen.add(id);
      counted.count += 1;
    }
  }
}

function mostCommon(counts: ReadonlyMap<string, number>): string {
  let best = '';
  let bestCount = -1;
  for (const [value, count] of counts) {
    if (count > bestCount || (count === bestCount && compareText(value, best) < 0)) {
      best = value;
      bestCount = count;
    }
  }
  return best;
}

/** Code-unit order: the same on every machine, unlike `localeCompare`. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Reading PATH

async function loadRecords(
  path: string,
): Promise<{ records: ReplayRecord[]; skipped: { source: string; reason: string }[] }> {
  let isFolder: boolean;
  try {
    isFolder = (await stat(path)).isDirectory();
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${describeFileError(error)}`);
  }
  const records: ReplayRecord[] = [];
  const skipped: { source: string; reason: string }[] = [];
  const files = isFolder ? await recordFiles(path) : [path];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if (!isFolder) throw new UsageError(`cannot read ${file}: ${describeFileError(error)}`);
      skipped.push({ source: file, reason: describeFileError(error) });
      continue;
    }
    const entries = isJsonLines(file, text) ? jsonLines(file, text) : [{ source: file, body: text }];
    for (const entry of entries) {
      const problem = objectProblem(entry.body);
      if (problem === null) records.push(entry);
      else skipped.push({ source: entry.source, reason: problem });
    }
  }
  return { records, skipped };
}

/** Every `*.json` below the folder, sorted; `index.json` files are catalogues, not records. */
async function recordFiles(folder: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(folder, { recursive: true });
  } catch (error) {
    throw new UsageError(`cannot read folder ${folder}: ${describeFileError(error)}`);
  }
  return names
    .filter(
      (name) => extname(name).toLowerCase() === '.json' && basename(name).toLowerCase() !== 'index.json',
    )
    .sort(compareText)
    .map((name) => join(folder, name));
}

function isJsonLines(file: string, text: string): boolean {
  const extension = extname(file).toLowerCase();
  if (extension === '.jsonl' || extension === '.ndjson') return true;
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  if (lines.length < 2) return false;
  // A pretty-printed object does not parse line by line; a JSON Lines file does, line one included.
  return !parses(text) && parses(lines[0] ?? '');
}

function jsonLines(file: string, text: string): ReplayRecord[] {
  const entries: ReplayRecord[] = [];
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() !== '') entries.push({ source: `${file} line ${index + 1}`, body: line });
  });
  return entries;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Null when the text is a JSON object; otherwise why it is not sent. */
function objectProblem(text: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `not JSON: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (typeof value !== 'object' || value === null)
    return `not a JSON object (found ${value === null ? 'null' : typeof value})`;
  if (Array.isArray(value)) return 'not a JSON object (found an array)';
  return null;
}

// ---------------------------------------------------------------------------------------------
// HTTP

type HttpAnswer =
  | {
      readonly kind: 'answer';
      readonly status: number;
      readonly body: unknown;
      readonly retryAfterMs: number | null;
    }
  | { readonly kind: 'unreachable'; readonly error: string };

async function sendRecord(url: URL, apiKey: string, body: string, timeoutMs: number): Promise<HttpAnswer> {
  for (let attempt = 1; ; attempt += 1) {
    const answer = await exchange(url, apiKey, timeoutMs, body);
    if (answer.kind !== 'answer' || answer.status !== 429 || attempt >= RATE_LIMIT_ATTEMPTS) return answer;
    await sleep(Math.min(answer.retryAfterMs ?? 1000 * attempt, MAX_RETRY_WAIT_MS));
  }
}

function getJson(url: URL, apiKey: string, timeoutMs: number): Promise<HttpAnswer> {
  return exchange(url, apiKey, timeoutMs, null);
}

async function exchange(
  url: URL,
  apiKey: string,
  timeoutMs: number,
  body: string | null,
): Promise<HttpAnswer> {
  try {
    const response = await fetch(url, {
      method: body === null ? 'GET' : 'POST',
      headers:
        body === null ? { 'x-api-key': apiKey } : { 'x-api-key': apiKey, 'content-type': 'application/json' },
      ...(body === null ? {} : { body }),
      // Never follow a redirect: requests go to the given URL and nowhere else.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: keep the text for the error message.
    }
    return { kind: 'answer', status: response.status, body: parsed, retryAfterMs: retryAfterMs(response) };
  } catch (error) {
    return { kind: 'unreachable', error: describeNetworkError(error) };
  }
}

function retryAfterMs(response: Response): number | null {
  const header = response.headers.get('retry-after');
  if (header === null) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'no answer in time';
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** The message of both error bodies of PEER-CONTRACT §1: `error` as a string or `{error:{message}}`. */
function errorMessage(body: unknown): string {
  const object = asObject(body);
  const error = object?.error;
  if (typeof error === 'string') return error;
  const nested = asObject(error);
  if (typeof nested?.message === 'string') return nested.message;
  if (typeof object?.message === 'string') return object.message;
  if (typeof body === 'string' && body.trim() !== '') return body.trim().slice(0, 200);
  return '(no message)';
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

// ---------------------------------------------------------------------------------------------
// Concurrency, time and progress

async function forEachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  shouldStop: () => boolean,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !shouldStop()) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface Progress {
  start(phase: string, total: number): void;
  update(done: number, detail: string): void;
  stop(): void;
}

function createProgress(stream: OutputStream | null): Progress {
  if (stream === null) return { start() {}, update() {}, stop() {} };
  if (stream.isTTY === true) {
    // Only a real terminal stream reports isTTY, and cli-progress needs its cursor methods.
    const bar = new cliProgress.SingleBar(
      {
        stream: stream as NodeJS.WritableStream,
        format: '{phase} [{bar}] {value}/{total} {detail}',
        hideCursor: true,
        barsize: 30,
      },
      cliProgress.Presets.shades_classic,
    );
    return {
      start: (phase, total) => bar.start(total, 0, { phase, detail: '' }),
      update: (done, detail) => bar.update(done, { detail }),
      stop: () => bar.stop(),
    };
  }
  // Not a terminal (CI, a log file): a line at every tenth, not a redraw per record.
  let phase = '';
  let total = 0;
  let lastTenth = -1;
  return {
    start: (name, count) => {
      phase = name;
      total = count;
      lastTenth = 0;
      stream.write(`replay: ${phase} 0/${total}\n`);
    },
    update: (done, detail) => {
      const tenth = total === 0 ? 10 : Math.floor((done * 10) / total);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        stream.write(`replay: ${phase} ${done}/${total} (${detail})\n`);
      }
    },
    stop: () => {},
  };
}

// ---------------------------------------------------------------------------------------------
// Presenting

/** The summary as aligned text tables. */
export function formatReplaySummary(summary: ReplaySummary): string {
  const lines: string[] = [];
  lines.push(
    `replay of ${summary.path} to ${summary.url}: ${summary.records} records in ${(summary.elapsedMs / 1000).toFixed(1)} s`,
    '',
  );
  const sending: [string, number][] = [
    ['sent', summary.sent],
    ['accepted', summary.accepted],
    ['duplicates', summary.duplicates],
    ['rejected (4xx)', summary.rejected],
  ];
  if (summary.serverErrors > 0) sending.push(['server errors', summary.serverErrors]);
  if (summary.unreachable > 0) sending.push(['no answer', summary.unreachable]);
  if (summary.notSent > 0) sending.push(['not sent', summary.notSent]);
  if (summary.skipped.length > 0) sending.push(['skipped (not objects)', summary.skipped.length]);
  lines.push(
    ...table(
      sending.map(([label, count]) => [label, String(count)]),
      [false, true],
    ),
  );
  if (summary.firstNetworkError !== null)
    lines.push('', `could not reach ${summary.url}: ${summary.firstNetworkError}`);
  appendMessages(lines, 'first rejections', summary.rejectedMessages);
  appendMessages(lines, 'first server errors', summary.serverErrorMessages);
  appendMessages(
    lines,
    'first skipped',
    summary.skipped.slice(0, MESSAGE_SAMPLES).map((item) => `${item.source}: ${item.reason}`),
  );

  if (summary.waited) {
    lines.push('', 'jobs (did verification run to the end?)');
    lines.push(
      ...table(
        [
          ['completed', String(summary.jobs.completed)],
          ['failed', String(summary.jobs.failed)],
          ['unfinished', String(summary.jobs.unfinished)],
        ],
        [false, true],
      ),
    );
    // A job that ran to the end still reports a `failed` Status when no source names a brand, a
    // category or a title: two different failures, so the two tables say which is which.
    lines.push(
      '',
      "results (each completed job's Status; failed: no source names a brand, a category or a title)",
    );
    const outcomeRows: string[][] = [
      ['verified', String(summary.outcomes.verified)],
      ['partial', String(summary.outcomes.partial)],
      ['failed', String(summary.outcomes.failed)],
      ['data_conflict', String(summary.outcomes.data_conflict)],
    ];
    if (summary.outcomes.other > 0) outcomeRows.push(['other', String(summary.outcomes.other)]);
    lines.push(...table(outcomeRows, [false, true]));
    lines.push('', 'top unmapped keys');
    if (summary.topUnmappedKeys.length === 0) lines.push('  (none)');
    else {
      lines.push(
        ...table(
          [
            ['records', 'family', 'key', 'normalised'],
            ...summary.topUnmappedKeys.map((item) => [
              String(item.count),
              item.family,
              item.key,
              item.normalisedKey,
            ]),
          ],
          [true, false, false, false],
        ),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

function appendMessages(lines: string[], title: string, messages: readonly string[]): void {
  if (messages.length === 0) return;
  lines.push('', title);
  for (const message of messages) lines.push(`  ${message}`);
}

function table(rows: readonly (readonly string[])[], rightAligned: readonly boolean[]): string[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, column) => {
      widths[column] = Math.max(widths[column] ?? 0, cell.length);
    });
  return rows.map(
    (row) =>
      `  ${row
        .map((cell, column) => {
          const width = widths[column] ?? 0;
          return rightAligned[column] ? cell.padStart(width) : cell.padEnd(width);
        })
        .join('  ')
        .trimEnd()}`,
  );
}

// ---------------------------------------------------------------------------------------------
// The command

export async function replayCommand(args: string[], io: CommandIo = processIo()): Promise<number> {
  return runCommand('replay', io, async () => {
    const { values, positionals } = parseCommandLine({
      args,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        'api-key': { type: 'string' },
        concurrency: { type: 'string' },
        wait: { type: 'boolean' },
        'timeout-ms': { type: 'string' },
        'poll-ms': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    const [path, ...extra] = positionals;
    if (path === undefined)
      throw new UsageError('missing PATH (usage: verity replay PATH --url URL --api-key KEY)');
    if (extra.length > 0) throw new UsageError(`expected one PATH, got ${positionals.length}`);
    if (values.url === undefined)
      throw new UsageError('missing --url (verity base URL, e.g. http://127.0.0.1:3001)');
    // The environment keeps the key out of shell history and `ps`; the flag wins when both are set.
    const apiKey = values['api-key'] ?? process.env.API_KEY;
    if (apiKey === undefined || apiKey === '')
      throw new UsageError('missing --api-key (or the API_KEY environment variable)');

    const summary = await replay({
      path,
      url: values.url,
      apiKey,
      concurrency: integerOption('concurrency', values.concurrency, 4, { min: 1, max: 64 }),
      wait: values.wait === true,
      timeoutMs: integerOption('timeout-ms', values['timeout-ms'], 120_000, { min: 1, max: 86_400_000 }),
      pollIntervalMs: integerOption('poll-ms', values['poll-ms'], 500, { min: 10, max: 60_000 }),
      progress: io.stderr,
    });
    io.stdout.write(
      values.json === true ? `${JSON.stringify(summary, null, 2)}\n` : formatReplaySummary(summary),
    );
    return summary.unreachable > 0 ? 1 : 0;
  });
}
