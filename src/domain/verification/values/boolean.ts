/**
 * Reads yes/no answers. Sources state them as `"Yes"`, `"No"`, `"Not Included"`, `true`, `1`...
 * (`Plug Included: Yes`, `Lamp Included: Not Included`, `Light Kit Included: "No"`).
 */
import { normaliseSpace } from './text.ts';

const TRUE_SPELLINGS: ReadonlySet<string> = new Set([
  'yes',
  'y',
  'true',
  't',
  '1',
  'on',
  'included',
  'include',
  'includes',
  'with',
  'available',
  'present',
  'supported',
  'enabled',
  'oui',
  '✓',
  '✔',
]);

const FALSE_SPELLINGS: ReadonlySet<string> = new Set([
  'no',
  'n',
  'false',
  'f',
  '0',
  'off',
  'not included',
  'excluded',
  'without',
  'unavailable',
  'not present',
  'absent',
  'unsupported',
  'not supported',
  'disabled',
  'non',
  '✗',
  '✘',
]);

/**
 * `true`, `false`, or null when the value is not a yes/no answer. Case, surrounding space and a
 * trailing full stop are ignored. `"None"`, `"N/A"` and `"Optional"` are null, not false: they are
 * blank or conditional, and a guess would invent a value no source states.
 */
export function parseBoolean(raw: unknown): boolean | null {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'number') return raw === 1 ? true : raw === 0 ? false : null;
  if (typeof raw !== 'string') return null;
  const spelling = normaliseSpace(raw)
    .toLowerCase()
    .replace(/[.!]+$/u, '');
  if (TRUE_SPELLINGS.has(spelling)) return true;
  if (FALSE_SPELLINGS.has(spelling)) return false;
  return null;
}
