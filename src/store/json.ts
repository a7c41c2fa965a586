/**
 * Stable JSON: object keys sorted, so equal documents have equal text and equal hashes
 * (re-sent records are recognised whatever their key order). Written out directly rather than
 * by building sorted copies: it runs on every intake. Iterative, with its own stack, so that no
 * nesting depth can overflow the call stack (intake also refuses records nested too deeply).
 */

/** Text written as-is, as opposed to a value still to be written. */
class Literal {
  constructor(readonly text: string) {}
}

const OPEN_ARRAY = new Literal('[');
const CLOSE_ARRAY = new Literal(']');
const OPEN_OBJECT = new Literal('{');
const CLOSE_OBJECT = new Literal('}');
const COMMA = new Literal(',');

const skipped = (item: unknown) => item === undefined || typeof item === 'function';

export function canonicalJson(value: unknown): string {
  let text = '';
  // Work still to do, last first: literals to append and values to write.
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (next instanceof Literal) {
      text += next.text;
    } else if (next === null || typeof next !== 'object') {
      text += JSON.stringify(next) ?? 'null';
    } else if (Array.isArray(next)) {
      pending.push(CLOSE_ARRAY);
      for (let index = next.length - 1; index >= 0; index -= 1) {
        const item: unknown = next[index];
        pending.push(skipped(item) ? null : item);
        if (index > 0) pending.push(COMMA);
      }
      pending.push(OPEN_ARRAY);
    } else {
      const record = next as Record<string, unknown>;
      const keys = Object.keys(record)
        .sort()
        .filter((key) => !skipped(record[key]));
      pending.push(CLOSE_OBJECT);
      for (let index = keys.length - 1; index >= 0; index -= 1) {
        const key = keys[index]!;
        pending.push(record[key], new Literal(`${JSON.stringify(key)}:`));
        if (index > 0) pending.push(COMMA);
      }
      pending.push(OPEN_OBJECT);
    }
  }
  return text;
}
