import { escapeHtml } from './values/escape-html.ts';

/**
 * `Additional_Attributes_HTML`: one inline-styled table of the specifications used nowhere
 * else, in the layout the peer's Apex already renders (PEER-CONTRACT §5.2). Names keep the
 * source's spelling (the peer title-cased them and lost acronyms: "Asme Code").
 */
const TABLE_STYLE =
  'border-collapse: collapse; width: 100%; margin: 10px 0; font-family: Arial, sans-serif; font-size: 14px;';
const HEAD_STYLE =
  'padding: 10px 15px; text-align: left; border: 1px solid #ddd; background-color: #4a90d9; color: white; font-weight: bold;';
const cellStyle = (row: number) =>
  `padding: 10px 15px; text-align: left; border: 1px solid #ddd; background-color: ${row % 2 === 0 ? '#fff' : '#f9f9f9'};`;

export function renderAdditionalAttributes(rows: readonly { name: string; value: string }[]): string {
  if (rows.length === 0) return '';
  const body = rows
    .map(
      (row, index) =>
        `    <tr>\n      <td style="${cellStyle(index)}">${escapeHtml(row.name)}</td>\n      <td style="${cellStyle(index)}">${escapeHtml(row.value)}</td>\n    </tr>`,
    )
    .join('\n');
  return `<table style="${TABLE_STYLE}" border="1">\n  <thead>\n    <tr>\n      <th style="${HEAD_STYLE}">Attribute</th>\n      <th style="${HEAD_STYLE}">Value</th>\n    </tr>\n  </thead>\n  <tbody>\n${body}\n  </tbody>\n</table>`;
}
