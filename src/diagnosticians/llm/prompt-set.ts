import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Step } from './response-formats.ts';

/**
 * The prompts are files (`prompts/<name>.v<N>.md`), read once at start. The highest version of
 * each is used; its name, version and a hash of its text are stored with every call, so that a
 * heal run says exactly which words were sent.
 */

export interface Prompt {
  readonly text: string;
  /** `diagnose.v1#1a2b3c4d`: file name, version, first 8 hex digits of the text's SHA-256. */
  readonly version: string;
}

export interface PromptSet {
  readonly system: Prompt;
  readonly steps: Readonly<Record<Step, Prompt>>;
}

const FILE_OF_STEP: Record<Step, string> = {
  diagnose: 'diagnose',
  review: 'review',
  review_outcome: 'review-outcome',
  improve: 'improve',
  final_approval: 'final-approval',
};

export const PROMPT_DIR = fileURLToPath(new URL('./prompts', import.meta.url));

export function loadPrompts(dir: string = PROMPT_DIR): PromptSet {
  const files = readdirSync(dir);
  const latest = (name: string): Prompt => {
    const versions = files
      .map((file) => new RegExp(`^${name}\\.v(\\d+)\\.md$`).exec(file))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => Number(match[1]))
      .sort((a, b) => b - a);
    const version = versions[0];
    if (version === undefined) throw new Error(`no prompt ${name}.v<N>.md in ${dir}`);
    const text = readFileSync(join(dir, `${name}.v${version}.md`), 'utf8').trim();
    const hash = createHash('sha256').update(text).digest('hex').slice(0, 8);
    return { text, version: `${name}.v${version}#${hash}` };
  };
  const steps = Object.fromEntries(
    Object.entries(FILE_OF_STEP).map(([step, file]) => [step, latest(file)]),
  ) as Record<Step, Prompt>;
  return { system: latest('system'), steps };
}
