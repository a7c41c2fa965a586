/**
 * What never leaves the process (DESIGN.md §4): emails, phone numbers and people's names, and
 * every value of a configured field. Pure: a value in, a redacted copy out. It runs on the whole
 * message an LLM diagnostician is about to send, so whatever a context pack, an outcome or a
 * summary carries passes through it.
 *
 * Names cannot be recognised in general without a model of names; what is recognised is a name
 * where a record labels one: the value of a key such as `Designer_Name` or `Contact`, and a
 * capitalised "First Last" right after such a label inside text ("Contact: Jane Doe").
 */

export const REDACTED = '[redacted]';
export const EMAIL = '[email]';
export const PHONE = '[phone]';
export const NAME = '[name]';

/** Words that make a key personal: its values are people, or how to reach them. */
const PERSONAL_WORDS = [
  'contact',
  'designer',
  'owner',
  'author',
  'email',
  'mail',
  'phone',
  'telephone',
  'mobile',
  'fax',
  'customer',
  'buyer',
  'salesperson',
  'requester',
  'requestor',
  'assignee',
  'person',
  'firstname',
  'lastname',
  'fullname',
] as const;

/** Key spellings that are personal as a whole (`Created_By`), not by one word. */
const PERSONAL_PHRASES = [
  'created by',
  'modified by',
  'submitted by',
  'assigned to',
  'first name',
  'last name',
];

const EMAIL_PATTERN = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
/**
 * A phone number: North American `(555) 123-4567`, `555.123.4567`, `+1 555 123 4567`, or
 * international `+44 20 7946 0958`; with at least one separator, so that a bare UPC, EAN or
 * model number stays, and never inside a longer run of digits or a decimal.
 */
const PHONE_PATTERN =
  /(?<![\d.])(?:(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}|\+\d{1,3}(?:[\s.-]?\d{2,4}){2,5})(?![\d]|\.\d)/g;
/** A capitalised "First Last" (or "First M. Last") right after a personal label and `:` or `=`. */
const LABELLED_NAME =
  /\b((?:[Nn]ame|NAME|[Cc]ontact|CONTACT|[Dd]esigner|DESIGNER|[Oo]wner|OWNER|[Aa]uthor|AUTHOR|[Aa]ttn|ATTN)\s*[:=]\s*)[A-Z][a-z'’-]+(?:\s+[A-Z]\.?)?(?:\s+[A-Z][a-z'’-]+){1,2}/g;

export interface Redactor {
  /** A redacted deep copy of any JSON-like value. */
  redact<T>(value: T): T;
  /** Is a key personal (its values never leave)? */
  isPersonalKey(key: string): boolean;
  /** Text with emails, phone numbers and labelled names replaced. */
  redactText(text: string): string;
}

/** Lower case words of a key: `Designer_Name` → `designer name`, `contactEmail` → `contact email`. */
function keyWords(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

function digitCount(text: string): number {
  return text.replace(/\D/g, '').length;
}

export function createRedactor(extraFields: readonly string[] = []): Redactor {
  const extra = new Set(extraFields.map(keyWords).filter((words) => words !== ''));

  const isPersonalKey = (key: string): boolean => {
    const words = keyWords(key);
    if (words === '') return false;
    if (extra.has(words)) return true;
    const list = words.split(' ');
    if (list.some((word) => (PERSONAL_WORDS as readonly string[]).includes(word))) return true;
    // A configured field also matches as a word run inside a longer key (`sales rep` in `Sales_Rep_Name`).
    for (const field of extra) if (` ${words} `.includes(` ${field} `)) return true;
    return PERSONAL_PHRASES.some((phrase) => ` ${words} `.includes(` ${phrase} `));
  };

  const redactText = (text: string): string =>
    text
      .replace(EMAIL_PATTERN, EMAIL)
      .replace(PHONE_PATTERN, (match) => {
        const digits = digitCount(match);
        const separated = /[\s.()-]/.test(match) || match.startsWith('+');
        return separated && digits >= 10 && digits <= 15 ? PHONE : match;
      })
      .replace(LABELLED_NAME, (_match, label: string) => `${label}${NAME}`);

  /** Every string under a personal key is replaced whole; other strings lose only what matches. */
  const walk = (value: unknown, personal: boolean): unknown => {
    if (typeof value === 'string') return personal ? REDACTED : redactText(value);
    if (typeof value === 'number' || typeof value === 'boolean') return personal ? REDACTED : value;
    if (Array.isArray(value)) return value.map((item) => walk(item, personal));
    if (value === null || typeof value !== 'object') return value;
    const record = value as Record<string, unknown>;
    // An object that describes a key (`{key, values}`, an issue, a change `{path, before, after}`)
    // carries that key's values beside it: they are personal when the key is.
    const described = [record.key, record.normalisedKey, record.path, record.id].some(
      (name) => typeof name === 'string' && isPersonalKey(name.split('.').at(-1) ?? name),
    );
    const issue = record.issue as Record<string, unknown> | undefined;
    const packOfPersonalKey =
      typeof issue?.key === 'string' && isPersonalKey(issue.key) ? new Set(['keyValues']) : new Set();
    const out: Record<string, unknown> = {};
    for (const [name, child] of Object.entries(record)) {
      const valueSlot = VALUE_SLOTS.has(name) && described;
      out[redactText(name)] = walk(
        child,
        personal || valueSlot || packOfPersonalKey.has(name) || (isPersonalKey(name) && !KEY_SLOTS.has(name)),
      );
    }
    return out;
  };

  return {
    redact: <T>(value: T): T => walk(value, false) as T,
    isPersonalKey,
    redactText,
  };
}

/** Properties that hold the values of the key an object describes. */
const VALUE_SLOTS = new Set(['value', 'values', 'before', 'after', 'excerpt', 'from', 'to']);
/** Properties that name a key (kept: a key's spelling is what a fix is about). */
const KEY_SLOTS = new Set(['key', 'normalisedKey', 'path', 'field', 'id', 'label']);
