import { type ParseArgsConfig, parseArgs } from 'node:util';

/**
 * What the commands share: a `UsageError` for mistakes the user can fix (bad arguments, bad
 * input files), which every command reports as one line on stderr and exit code 2, and the
 * output streams a command writes to, which tests replace with collectors.
 */

/** Exit code for a usage or input mistake (the BSD `EX_USAGE` tradition of small codes: 2). */
export const USAGE_EXIT_CODE = 2;

export class UsageError extends Error {
  readonly code = 'USAGE_ERROR';
  readonly exitCode = USAGE_EXIT_CODE;
}

/** The part of a writable stream a command uses. */
export interface OutputStream {
  write(text: string): unknown;
  /** True on a terminal; progress bars are drawn only there. */
  readonly isTTY?: boolean;
}

export interface CommandIo {
  /** Results: the only thing scripts should parse. */
  readonly stdout: OutputStream;
  /** Messages and progress. */
  readonly stderr: OutputStream;
}

export function processIo(): CommandIo {
  return { stdout: process.stdout, stderr: process.stderr };
}

/** Runs a command body and turns a `UsageError` into its one-line message and exit code 2. */
export async function runCommand(name: string, io: CommandIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`verity ${name}: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}

/** `parseArgs`, with its errors (unknown option, missing value) turned into usage errors. */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for every command-line mistake.
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError((error as Error).message);
    }
    throw error;
  }
}

/** A whole number option within bounds, or a usage error naming the option. */
export function integerOption(
  name: string,
  value: string | undefined,
  fallback: number,
  bounds: { readonly min: number; readonly max: number },
): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (
    !/^\d+$/.test(value.trim()) ||
    !Number.isSafeInteger(parsed) ||
    parsed < bounds.min ||
    parsed > bounds.max
  ) {
    throw new UsageError(
      `--${name} must be a whole number from ${bounds.min} to ${bounds.max} (got "${value}")`,
    );
  }
  return parsed;
}

/** A short reason for a failed file operation: "no such file" rather than a stack of detail. */
export function describeFileError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder, not a file';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
