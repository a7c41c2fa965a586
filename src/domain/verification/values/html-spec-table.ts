/**
 * Reads the retailer's `Specification_Table` HTML into name/value entries.
 *
 * Two dialects are seen (PEER-CONTRACT.md §3.2):
 * (a) `<dl><dt><strong>Key:</strong>&nbsp;Value</dt>…</dl>` (recent-job-1);
 * (b) `<table class="inline_sd_table">` whose `td.inline_sd_header` rows name a group and whose
 *     two-cell rows `<td><b>Key</b></td><td>Value</td>` are entries (recent-job-5, the oven).
 * A plain `<table><tr><th|td>Key</th|td><td>Value</td></tr>` and a `<dt>Key</dt><dd>Value</dd>` list are
 * read the same way. htmlparser2's streaming parser is used so malformed markup still yields the
 * entries it contains instead of an error.
 */
import { Parser } from 'htmlparser2';
import { normaliseSpace } from './text.ts';

export interface SpecEntry {
  /** The key as written, without its trailing colon. */
  readonly name: string;
  /** The value text: entities decoded, tags removed, white space collapsed. */
  readonly value: string;
  /** The heading of the table section the entry is in (`Performance`, `Dimensions`); null when there is none. */
  readonly group: string | null;
}

interface CellBuffer {
  readonly isHeaderCell: boolean;
  readonly isHeading: boolean;
  readonly parts: string[];
}

interface TableContext {
  row: CellBuffer[] | null;
  cell: CellBuffer | null;
  group: string | null;
  headDepth: number;
}

interface TermBuffer {
  readonly keyParts: string[];
  readonly restParts: string[];
  emphasisDepth: number;
  keyDone: boolean;
}

/** Elements whose boundaries separate words inside a value (`<br>`, a `<p>` in a cell). */
const WORD_BREAKING_ELEMENTS: ReadonlySet<string> = new Set(['br', 'p', 'div', 'li', 'ul', 'ol', 'hr']);

const EMPHASIS_ELEMENTS: ReadonlySet<string> = new Set(['strong', 'b']);

function cleanName(text: string): string {
  return normaliseSpace(text)
    .replace(/\s*[:：]$/u, '')
    .trim();
}

function isHeadingCell(name: string, attributes: Readonly<Record<string, string>>): boolean {
  const classes = (attributes.class ?? '').split(/\s+/u);
  const columnSpan = Number(attributes.colspan ?? '1');
  return name === 'th' || classes.includes('inline_sd_header') || columnSpan >= 2;
}

/**
 * Every entry the HTML states, in source order, duplicates kept (the oven's table repeats none, but
 * `Web_Retailer_Specs` showed that sources do send pairs twice, and dropping one is the caller's call).
 * Never throws; empty or unreadable HTML gives `[]`.
 */
export function parseSpecificationTable(html: string): SpecEntry[] {
  if (typeof html !== 'string' || html.trim() === '') return [];
  const entries: SpecEntry[] = [];
  const tables: TableContext[] = [];
  let term: TermBuffer | null = null;
  let definitionParts: string[] | null = null;
  let pendingName: string | null = null;

  const currentTable = (): TableContext | undefined => tables[tables.length - 1];

  const addEntry = (name: string, value: string, group: string | null): void => {
    if (name !== '') entries.push({ name, value, group });
  };

  const finishRow = (table: TableContext): void => {
    const cells = table.row;
    table.row = null;
    if (cells === null || table.headDepth > 0) return;
    const [first, second] = cells;
    if (first === undefined) return;
    if (second === undefined) {
      // A lone heading cell names the section that follows (`inline_sd_header`, a `th`, a spanning cell).
      const heading = normaliseSpace(first.parts.join(''));
      if (first.isHeading && heading !== '') table.group = heading;
      return;
    }
    // A row of `th` only (`Attribute | Value`) labels the columns; it is not a product attribute.
    if (cells.every((cell) => cell.isHeaderCell)) return;
    addEntry(cleanName(first.parts.join('')), normaliseSpace(second.parts.join('')), table.group);
  };

  const finishCell = (table: TableContext): void => {
    if (table.cell === null) return;
    table.row ??= [];
    table.row.push(table.cell);
    table.cell = null;
  };

  const finishTerm = (): void => {
    if (term === null) return;
    const finished = term;
    term = null;
    const key = cleanName(finished.keyParts.join(''));
    const rest = normaliseSpace(finished.restParts.join(''));
    if (key !== '') {
      addEntry(key, rest, null);
      return;
    }
    // `<dt>Key: Value</dt>` without emphasis, or `<dt>Key</dt><dd>Value</dd>`.
    const colon = rest.search(/[:：]/u);
    if (colon > 0) addEntry(cleanName(rest.slice(0, colon)), normaliseSpace(rest.slice(colon + 1)), null);
    else pendingName = cleanName(rest);
  };

  const finishDefinition = (): void => {
    if (definitionParts === null) return;
    const value = normaliseSpace(definitionParts.join(''));
    definitionParts = null;
    if (pendingName !== null) addEntry(pendingName, value, null);
    pendingName = null;
  };

  const appendText = (text: string): void => {
    const table = currentTable();
    if (table?.cell) {
      table.cell.parts.push(text);
    } else if (term !== null) {
      const inKey = term.emphasisDepth > 0 && !term.keyDone;
      (inKey ? term.keyParts : term.restParts).push(text);
    } else if (definitionParts !== null) {
      definitionParts.push(text);
    }
  };

  const parser = new Parser(
    {
      onopentag(name, attributes) {
        const table = currentTable();
        if (WORD_BREAKING_ELEMENTS.has(name)) appendText(' ');
        switch (name) {
          case 'table':
            tables.push({ row: null, cell: null, group: null, headDepth: 0 });
            break;
          case 'thead':
            if (table !== undefined) table.headDepth += 1;
            break;
          case 'tr':
            if (table !== undefined) {
              finishCell(table);
              finishRow(table);
              table.row = [];
            }
            break;
          case 'td':
          case 'th':
            if (table !== undefined) {
              finishCell(table);
              table.cell = {
                isHeaderCell: name === 'th',
                isHeading: isHeadingCell(name, attributes),
                parts: [],
              };
            }
            break;
          case 'dt':
            finishTerm();
            finishDefinition();
            pendingName = null;
            term = { keyParts: [], restParts: [], emphasisDepth: 0, keyDone: false };
            break;
          case 'dd':
            finishTerm();
            definitionParts = [];
            break;
          default:
            if (EMPHASIS_ELEMENTS.has(name) && term !== null) term.emphasisDepth += 1;
        }
      },
      onclosetag(name) {
        const table = currentTable();
        if (WORD_BREAKING_ELEMENTS.has(name)) appendText(' ');
        switch (name) {
          case 'table':
            if (table !== undefined) {
              finishCell(table);
              finishRow(table);
              tables.pop();
            }
            break;
          case 'thead':
            if (table !== undefined && table.headDepth > 0) table.headDepth -= 1;
            break;
          case 'tr':
            if (table !== undefined) {
              finishCell(table);
              finishRow(table);
            }
            break;
          case 'td':
          case 'th':
            if (table !== undefined) finishCell(table);
            break;
          case 'dt':
            finishTerm();
            break;
          case 'dd':
            finishDefinition();
            break;
          case 'dl':
            finishTerm();
            finishDefinition();
            pendingName = null;
            break;
          default:
            if (EMPHASIS_ELEMENTS.has(name) && term !== null && term.emphasisDepth > 0) {
              term.emphasisDepth -= 1;
              if (term.emphasisDepth === 0 && term.keyParts.join('').trim() !== '') term.keyDone = true;
            }
        }
      },
      ontext(text) {
        appendText(text);
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  // Markup cut off mid-row still holds entries; the parser's implied closes do not reach these buffers.
  finishTerm();
  finishDefinition();
  for (let table = tables.pop(); table !== undefined; table = tables.pop()) {
    finishCell(table);
    finishRow(table);
  }
  return entries;
}
