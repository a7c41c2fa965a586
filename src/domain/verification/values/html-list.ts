/**
 * `<ul><li>` lists: reading the sources' feature lists and writing the contract's
 * `Features_List_HTML` (PEER-CONTRACT.md §5.1: `<ul>\n  <li>…</li>\n</ul>`).
 */
import { Parser } from 'htmlparser2';
import { escapeHtml } from './escape-html.ts';
import { normaliseSpace } from './text.ts';

/** Elements whose boundaries separate words inside an item. */
const WORD_BREAKING_ELEMENTS: ReadonlySet<string> = new Set(['br', 'p', 'div', 'ul', 'ol', 'li', 'hr']);

/**
 * The text of every `<li>`, in document order, nested lists flattened (a parent item comes before
 * its children), entities decoded, white space collapsed, empty items (`<li><br></li>`, as in the
 * oven's `<ul><ul><ul><li><br></li></ul></ul></ul>`) dropped. Text outside any `<li>` is ignored:
 * a description is not a feature list. Never throws.
 */
export function parseHtmlList(html: string): string[] {
  if (typeof html !== 'string' || !html.includes('<')) return [];
  // An item's slot is reserved when it opens so a parent keeps its place before its nested children.
  const items: string[][] = [];
  const open: string[][] = [];
  const parser = new Parser(
    {
      onopentag(name) {
        const current = open[open.length - 1];
        if (current !== undefined && WORD_BREAKING_ELEMENTS.has(name)) current.push(' ');
        if (name === 'li') {
          const parts: string[] = [];
          items.push(parts);
          open.push(parts);
        }
      },
      onclosetag(name) {
        if (name === 'li') open.pop();
        const current = open[open.length - 1];
        if (current !== undefined && WORD_BREAKING_ELEMENTS.has(name)) current.push(' ');
      },
      ontext(text) {
        open[open.length - 1]?.push(text);
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();
  return items.map((parts) => normaliseSpace(parts.join(''))).filter((item) => item !== '');
}

/**
 * The contract's list format, byte for byte: `<ul>`, one `  <li>item</li>` line per item, `</ul>`,
 * items HTML-escaped. No items → `""`, since an empty list is no answer and Salesforce should get none.
 */
export function renderHtmlList(items: readonly string[]): string {
  if (items.length === 0) return '';
  return ['<ul>', ...items.map((item) => `  <li>${escapeHtml(item)}</li>`), '</ul>'].join('\n');
}
