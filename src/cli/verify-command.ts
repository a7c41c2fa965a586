import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import {
  type CompiledRuleSet,
  compileRuleSet,
  RuleSetCompileError,
} from '../domain/rule-set/compile-rule-set.ts';
import { buildDefaultRuleSet } from '../domain/rule-set/default-rule-set.ts';
import { rulesSchema } from '../domain/rule-set/rule-set-schema.ts';
import { verifyRecord } from '../domain/verification/verify-record.ts';
import { checkRecord } from '../http/record-validation.ts';
import { verificationSessionId } from '../pipeline/verify-job.ts';
import {
  type CommandIo,
  describeFileError,
  parseCommandLine,
  processIo,
  runCommand,
  UsageError,
} from './cli-errors.ts';

/**
 * `verity verify FILE [--at ISO] [--rules FILE]`: the engine on one record file, offline, with
 * no database, queue or network. The output depends only on the file, its mtime (or `--at`)
 * and the rule set, so two runs print byte-identical results.
 */

const USAGE = `Usage: verity verify FILE [--at ISO] [--rules FILE]

Verifies one Salesforce record (a JSON object) or a JSONL file (one record per line) offline
and prints the result object: pretty JSON for one record, one compact line per JSONL record.

  --at ISO       the receive time written into the result (default: the file's mtime)
  --rules FILE   a rule set JSON document to use instead of the built-in default
`;

/** The rule set version offline runs claim; the server's first version is 1 as well. */
const OFFLINE_RULE_SET_VERSION = 1;

interface RecordInput {
  /** The text as sent to the intake route: the session id is derived from it, as the server does. */
  readonly rawText: string;
  readonly payload: Record<string, unknown>;
}

export async function verifyCommand(args: string[], io: CommandIo = processIo()): Promise<number> {
  return runCommand('verify', io, async () => {
    const { values, positionals } = parseCommandLine({
      args,
      allowPositionals: true,
      options: {
        at: { type: 'string' },
        rules: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    const [file, ...extra] = positionals;
    if (file === undefined)
      throw new UsageError('missing FILE (usage: verity verify FILE [--at ISO] [--rules FILE])');
    if (extra.length > 0) throw new UsageError(`expected one FILE, got ${positionals.length}`);

    const { text, modifiedAt } = await readRecordFile(file);
    const receivedAt = values.at === undefined ? modifiedAt.toISOString() : parseInstant(values.at);
    const rules = values.rules === undefined ? defaultRules() : await loadRules(values.rules);
    const lines = isJsonLinesName(file) || looksLikeJsonLines(text);
    // Every record is checked before any is verified, so bad input never leaves half an output.
    const records = lines ? parseJsonLines(text, file) : [parseSingleRecord(text, file)];
    if (records.length === 0) throw new UsageError(`${file}: no records (the file is empty)`);

    for (const record of records) {
      const outcome = verifyRecord(record.payload, rules, {
        receivedAt,
        sessionId: verificationSessionId(record.rawText, rules.version),
      });
      io.stdout.write(
        lines ? `${JSON.stringify(outcome.result)}\n` : `${JSON.stringify(outcome.result, null, 2)}\n`,
      );
    }
    return 0;
  });
}

async function readRecordFile(file: string): Promise<{ text: string; modifiedAt: Date }> {
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
    return { text: await readFile(file, 'utf8'), modifiedAt: info.mtime };
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${describeFileError(error)}`);
  }
}

function parseInstant(value: string): string {
  const time = Date.parse(value);
  if (Number.isNaN(time))
    throw new UsageError(`--at must be an ISO 8601 time such as 2026-01-28T22:25:00Z (got "${value}")`);
  return new Date(time).toISOString();
}

function defaultRules(): CompiledRuleSet {
  return compileRuleSet(rulesSchema.parse(buildDefaultRuleSet()), OFFLINE_RULE_SET_VERSION);
}

async function loadRules(file: string): Promise<CompiledRuleSet> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read rules file ${file}: ${describeFileError(error)}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`rules file ${file} is not JSON: ${jsonErrorDetail(error, text)}`);
  }
  const parsed = rulesSchema.safeParse(document);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const first = issues[0];
    const where = first && first.path.length > 0 ? `${first.path.join('.')}: ` : '';
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more problems)` : '';
    throw new UsageError(
      `rules file ${file} is not a valid rule set: ${where}${first?.message ?? 'invalid'}${more}`,
    );
  }
  try {
    return compileRuleSet(parsed.data, OFFLINE_RULE_SET_VERSION);
  } catch (error) {
    if (error instanceof RuleSetCompileError) throw new UsageError(`rules file ${file}: ${error.message}`);
    throw error;
  }
}

function isJsonLinesName(file: string): boolean {
  const extension = extname(file).toLowerCase();
  return extension === '.jsonl' || extension === '.ndjson';
}

/**
 * A `.json` file may still hold JSON Lines: it then fails to parse as a whole, but its first
 * line is a complete JSON value on its own. A pretty-printed object never passes that test.
 */
function looksLikeJsonLines(text: string): boolean {
  const nonBlank = text.split('\n').filter((line) => line.trim() !== '');
  if (nonBlank.length < 2) return false;
  try {
    JSON.parse(text);
    return false;
  } catch {
    try {
      JSON.parse(nonBlank[0] ?? '');
      return true;
    } catch {
      return false;
    }
  }
}

function parseSingleRecord(text: string, file: string): RecordInput {
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${jsonErrorDetail(error, text)}`);
  }
  return { rawText: text, payload: recordOf(payload, file) };
}

function parseJsonLines(text: string, file: string): RecordInput[] {
  const records: RecordInput[] = [];
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === '') return;
    const where = `${file} line ${index + 1}`;
    let payload: unknown;
    try {
      payload = JSON.parse(line);
    } catch (error) {
      throw new UsageError(`${where} is not JSON: ${jsonErrorDetail(error, line)}`);
    }
    records.push({ rawText: line, payload: recordOf(payload, where) });
  });
  return records;
}

/**
 * The intake route's own record validation (http/record-validation.ts), so that a record passes
 * here exactly when the service accepts it, with the service's message when it does not.
 */
function recordOf(payload: unknown, where: string): Record<string, unknown> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new UsageError(
      `${where} is not a record: expected a JSON object, found ${describeJsonType(payload)}`,
    );
  }
  const check = checkRecord(payload);
  if (!check.ok) throw new UsageError(`${where}: ${check.message}`);
  return check.record;
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** The parser's message, plus the line number when it gives a position (a multi-line file). */
function jsonErrorDetail(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position === undefined) return message;
  const line = text.slice(0, Number(position)).split('\n').length;
  return line > 1 ? `${message} (line ${line})` : message;
}
