/**
 * Builds `examples/` — real-world Salesforce catalog payloads converted from the read-only corpus.
 *
 *   npx tsx scripts/build-examples.ts
 *
 * The corpus is read from `<repo>/../shared/corpus` (override with env CORPUS_DIR, which may point
 * at the corpus directory or directly at its `raw/` directory). The output is deterministic:
 * re-running the script produces byte-identical files. Only Node built-ins are used.
 *
 * Rule: every source keeps its own attribute names, placed in the Salesforce source family where
 * they arrive (`*_Web_Retailer` flat fields, `Web_Retailer_Specs`, `Specification_Table`, or
 * top-level custom fields). Nothing is renamed into verity's canonical names.
 * See examples/SOURCES.md for the provenance of each group.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
type Spec = { name: string; value: string };

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = path.join(REPO_ROOT, 'examples');

function resolveRawDir(): string {
  const base = process.env.CORPUS_DIR
    ? path.resolve(process.env.CORPUS_DIR)
    : path.resolve(REPO_ROOT, '../shared/corpus');
  const withRaw = path.join(base, 'raw');
  return fs.existsSync(withRaw) ? withRaw : base;
}
const RAW_DIR = resolveRawDir();

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/** Code-unit comparison: locale-independent, so the order is the same on every machine. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function rawPath(rel: string): string {
  return path.join(RAW_DIR, ...rel.split('/'));
}

function readText(rel: string): string {
  const text = fs.readFileSync(rawPath(rel), 'utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function readJson(rel: string): Json {
  return JSON.parse(readText(rel)) as Json;
}

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asObject(v: Json | undefined, what: string): JsonObject {
  if (!isObject(v)) throw new Error(`expected an object: ${what}`);
  return v;
}

function asString(v: Json | undefined): string | null {
  return typeof v === 'string' ? v : null;
}

function listDir(rel: string): string[] {
  return fs.readdirSync(rawPath(rel)).sort(cmp);
}

/** ASCII-only file-name stem. */
function safeName(s: string, max = 80): string {
  const cleaned = s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  const cut = cleaned.length > max ? cleaned.slice(0, max).replace(/[-.]+$/, '') : cleaned;
  return cut || 'record';
}

/** Lower-case slug of a title, cut at a word boundary to at most `max` chars. */
function slug(title: string, max = 80): string {
  let s = title
    .replace(/[®™©]/g, '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (s.length > max) {
    s = s.slice(0, max + 1);
    const cut = s.lastIndexOf('-');
    s = cut > 0 ? s.slice(0, cut) : s.slice(0, max);
  }
  return s;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// ---------------------------------------------------------------------------------------------
// Synthetic Salesforce ids
// ---------------------------------------------------------------------------------------------

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SF_CHECKSUM_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** Salesforce's 3-char suffix that turns a 15-char case-sensitive id into the 18-char form. */
function sfChecksum(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const ch = id15.charAt(chunk * 5 + i);
      if (ch >= 'A' && ch <= 'Z') bits |= 1 << i;
    }
    out += SF_CHECKSUM_ALPHABET.charAt(bits);
  }
  return out;
}

/**
 * Deterministic synthetic SF id: `a03VE` + 10 base62 chars from sha256(seed) + the real SF checksum
 * suffix (3 chars). 18 chars, prefix `a03` like the peer's catalog object; `VE` marks it as verity's.
 */
function syntheticSfId(seed: string): string {
  let n = BigInt(`0x${createHash('sha256').update(seed, 'utf8').digest('hex')}`);
  let body = '';
  for (let i = 0; i < 10; i++) {
    body += BASE62.charAt(Number(n % 62n));
    n /= 62n;
  }
  const id15 = `a03VE${body}`;
  return id15 + sfChecksum(id15);
}

// ---------------------------------------------------------------------------------------------
// Output collection
// ---------------------------------------------------------------------------------------------

interface Example {
  group: string;
  stem: string;
  payload: JsonObject;
  source: string;
  /** Peer re-sends legitimately share an SF_Catalog_Id. */
  realSfId: boolean;
}

const examples: Example[] = [];
const usedStems = new Map<string, Set<string>>();

function addExample(
  group: string,
  stemWanted: string,
  payload: JsonObject,
  source: string,
  realSfId = false,
) {
  let used = usedStems.get(group);
  if (!used) {
    used = new Set();
    usedStems.set(group, used);
  }
  // Compare case-insensitively so the tree also checks out on case-insensitive file systems.
  let stem = stemWanted;
  for (let n = 2; used.has(stem.toLowerCase()); n++) stem = `${stemWanted}-${n}`;
  used.add(stem.toLowerCase());
  examples.push({ group, stem, payload, source, realSfId });
}

// ---------------------------------------------------------------------------------------------
// CSV (RFC 4180: quoted fields, doubled quotes, CRLF or LF, optional final newline)
// ---------------------------------------------------------------------------------------------

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let inQuotes = false;
  let fieldStarted = false;
  while (i < text.length) {
    const c = text.charAt(i);
    if (inQuotes) {
      if (c === '"') {
        if (text.charAt(i + 1) === '"') {
          field += '"';
          i += 2;
          continue;
        }
        inQuotes = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') {
      inQuotes = true;
      fieldStarted = true;
      i++;
    } else if (c === ',') {
      row.push(field);
      field = '';
      fieldStarted = false;
      i++;
    } else if (c === '\r' || c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      fieldStarted = false;
      i += c === '\r' && text.charAt(i + 1) === '\n' ? 2 : 1;
    } else {
      field += c;
      fieldStarted = true;
      i++;
    }
  }
  if (inQuotes) throw new Error('CSV: unterminated quoted field');
  if (fieldStarted || field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function csvRecords(text: string): Array<Record<string, string>> {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  return rows.map((r, idx) => {
    if (r.length !== header.length) {
      throw new Error(`CSV row ${idx + 1}: ${r.length} fields, header has ${header.length}`);
    }
    const rec: Record<string, string> = {};
    header.forEach((h, j) => {
      rec[h] = r[j] ?? '';
    });
    return rec;
  });
}

// ---------------------------------------------------------------------------------------------
// Minimal YAML (the flat-ish front matter of the Matter device files)
// ---------------------------------------------------------------------------------------------

interface YamlLine {
  indent: number;
  text: string;
}

function yamlScalar(raw: string): Json {
  const s = raw.trim();
  if (s === '' || s === '~' || s === 'null') return null;
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (s.startsWith('"') && s.endsWith('"') && s.length >= 2) return JSON.parse(s) as string;
  if (s.startsWith("'") && s.endsWith("'") && s.length >= 2) return s.slice(1, -1).replace(/''/g, "'");
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  return s;
}

function yamlFlowSeq(raw: string): Json[] {
  const inner = raw.trim().replace(/^\[/, '').replace(/\]$/, '');
  const items: string[] = [];
  let cur = '';
  let quote: string | null = null;
  for (const ch of inner) {
    if (quote) {
      cur += ch;
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      cur += ch;
    } else if (ch === ',') {
      items.push(cur);
      cur = '';
    } else cur += ch;
  }
  items.push(cur);
  return items.filter((x) => x.trim() !== '').map(yamlScalar);
}

function parseYaml(src: string): JsonObject {
  const lines: YamlLine[] = [];
  const rawLines = src.split(/\r?\n/);
  for (let i = 0; i < rawLines.length; i++) {
    let line = rawLines[i] ?? '';
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    // Join a multi-line flow sequence `key: [ ... ]` into one line.
    if (/:\s*\[/.test(line) && !line.includes(']')) {
      while (i + 1 < rawLines.length && !line.includes(']')) line += ` ${(rawLines[++i] ?? '').trim()}`;
    }
    const indent = line.length - line.trimStart().length;
    lines.push({ indent, text: line.trim() });
  }
  let pos = 0;

  function parseBlock(indent: number): Json {
    const first = lines[pos];
    if (first?.text.startsWith('- ')) return parseSeq(indent);
    return parseMap(indent);
  }

  function parseValue(rest: string, indent: number): Json {
    if (rest !== '') return rest.startsWith('[') ? yamlFlowSeq(rest) : yamlScalar(rest);
    const next = lines[pos];
    if (next && (next.indent > indent || (next.indent === indent && next.text.startsWith('- ')))) {
      return parseBlock(next.indent);
    }
    return null;
  }

  function parseMap(indent: number): JsonObject {
    const out: JsonObject = {};
    while (pos < lines.length) {
      const line = lines[pos];
      if (!line || line.indent !== indent || line.text.startsWith('- ')) break;
      const m = /^([^:\s][^:]*):(.*)$/.exec(line.text);
      if (!m) throw new Error(`YAML: cannot read line "${line.text}"`);
      pos++;
      out[(m[1] ?? '').trim()] = parseValue((m[2] ?? '').trim(), indent);
    }
    return out;
  }

  function parseSeq(indent: number): Json[] {
    const out: Json[] = [];
    while (pos < lines.length) {
      const line = lines[pos];
      if (!line || line.indent !== indent || !line.text.startsWith('- ')) break;
      const content = line.text.slice(2).trim();
      if (/^[^:\s][^:]*:/.test(content)) {
        // `- key: value` starts a mapping whose keys sit two columns further in.
        lines[pos] = { indent: indent + 2, text: content };
        out.push(parseMap(indent + 2));
      } else {
        pos++;
        out.push(yamlScalar(content));
      }
    }
    return out;
  }

  const result = parseMap(lines[0]?.indent ?? 0);
  if (pos !== lines.length) throw new Error(`YAML: stopped at line "${lines[pos]?.text}"`);
  return result;
}

function frontMatter(md: string): string {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\s*(?:\r?\n|$)/.exec(md);
  if (!m) throw new Error('no YAML front matter');
  return m[1] ?? '';
}

// ---------------------------------------------------------------------------------------------
// 1 + 2. Peer jobs and the reconstructed `_Legacy` rename
// ---------------------------------------------------------------------------------------------

const TOPMCON = 'topmcon-catalog-verification-api/test-data';

function buildPeerJobs() {
  const withManual: Array<{ stem: string; payload: JsonObject; source: string }> = [];

  const addPeer = (stem: string, payload: JsonObject, source: string) => {
    addExample('peer-jobs', stem, payload, source, true);
    if (Object.keys(payload).some((k) => k.endsWith('_Manual'))) withManual.push({ stem, payload, source });
  };

  for (let n = 1; n <= 5; n++) {
    const rel = `${TOPMCON}/recent-job-${n}.json`;
    const job = asObject(readJson(rel), rel);
    const payload = asObject(job.rawPayload, `${rel} rawPayload`);
    const name = asString(payload.SF_Catalog_Name) ?? asString(job.sfCatalogName) ?? 'unknown';
    addPeer(`recent-job-${n}-${safeName(name)}`, payload, `raw/${rel}#rawPayload`);
  }

  const snapRel = `${TOPMCON}/production-jobs-snapshot.json`;
  const snapshot = readJson(snapRel);
  if (!Array.isArray(snapshot)) throw new Error('production-jobs-snapshot.json: expected an array');
  snapshot.forEach((jobJson, i) => {
    const job = asObject(jobJson, `${snapRel}[${i}]`);
    const payload = asObject(job.rawPayload, `${snapRel}[${i}].rawPayload`);
    const name = asString(payload.SF_Catalog_Name) ?? asString(job.sfCatalogName) ?? 'unknown';
    addPeer(`production-job-${i + 1}-${safeName(name)}`, payload, `raw/${snapRel}#[${i}].rawPayload`);
  });

  const tests = listDir(TOPMCON).filter((f) => /^test-payload-.*\.json$/.test(f));
  for (const f of tests) {
    const rel = `${TOPMCON}/${f}`;
    addPeer(f.replace(/\.json$/, ''), asObject(readJson(rel), rel), `raw/${rel}`);
  }

  for (const { stem, payload, source } of withManual) {
    const renamed: JsonObject = {};
    for (const [k, v] of Object.entries(payload)) {
      renamed[k.endsWith('_Manual') ? `${k.slice(0, -'_Manual'.length)}_Legacy` : k] = v;
    }
    renamed.SF_Catalog_Id = syntheticSfId(`legacy-rename:${source}`);
    addExample('legacy-rename', `${stem}-legacy`, renamed, `${source} (reconstructed: *_Manual -> *_Legacy)`);
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Open Fixture Library
// ---------------------------------------------------------------------------------------------

const OFL = 'open-fixture-library/fixtures';

function numList(v: Json | undefined): string {
  return Array.isArray(v) ? v.map((x) => String(x)).join(' x ') : String(v);
}

function oflSpecValue(key: string, v: Json): string {
  switch (key) {
    case 'physical.dimensions':
    case 'physical.matrixPixels.dimensions':
    case 'physical.matrixPixels.spacing':
      return `${numList(v)} mm`;
    case 'physical.weight':
      return `${String(v)} kg`;
    case 'physical.power':
      return `${String(v)} W`;
    case 'physical.bulb.colorTemperature':
      return `${String(v)} K`;
    case 'physical.bulb.lumens':
      return `${String(v)} lm`;
    case 'physical.lens.degreesMinMax':
      return Array.isArray(v) ? `${v.map((x) => String(x)).join('-')} deg` : `${String(v)} deg`;
    case 'physical.powerConnectors':
      return isObject(v) ? Object.keys(v).join(', ') : String(v);
    default:
      return Array.isArray(v) ? v.map((x) => String(x)).join(', ') : String(v);
  }
}

function oflSpecs(physical: JsonObject): Spec[] {
  const specs: Spec[] = [];
  const walk = (obj: JsonObject, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      const key = `${prefix}.${k}`;
      if (v === null) continue;
      if (isObject(v) && key !== 'physical.powerConnectors') walk(v, key);
      else specs.push({ name: key, value: oflSpecValue(key, v) });
    }
  };
  walk(physical, 'physical');
  return specs;
}

function buildOfl() {
  const makers = asObject(readJson(`${OFL}/manufacturers.json`), 'manufacturers.json');
  const eligible: Array<{ maker: string; file: string; fixture: JsonObject }> = [];
  for (const maker of listDir(OFL)) {
    if (!fs.statSync(rawPath(`${OFL}/${maker}`)).isDirectory()) continue;
    for (const file of listDir(`${OFL}/${maker}`)) {
      if (!file.endsWith('.json')) continue;
      const fixture = asObject(readJson(`${OFL}/${maker}/${file}`), `${maker}/${file}`);
      if ('redirectTo' in fixture) continue; // a pointer to a renamed fixture, not a product
      eligible.push({ maker, file, fixture });
    }
  }
  // Every 2nd fixture in sorted path order, plus the first fixture of any maker that this skipped.
  const picked = new Set<number>();
  eligible.forEach((_, i) => {
    if (i % 2 === 0) picked.add(i);
  });
  const covered = new Set([...picked].map((i) => eligible[i]?.maker));
  eligible.forEach((e, i) => {
    if (!covered.has(e.maker)) {
      picked.add(i);
      covered.add(e.maker);
    }
  });

  for (const i of [...picked].sort((a, b) => a - b)) {
    const e = eligible[i];
    if (!e) continue;
    const f = e.fixture;
    const makerInfo = asObject(makers[e.maker], `manufacturers.json ${e.maker}`);
    const name = asString(f.name) ?? e.file;
    const model = asString(f.shortName) ?? name;
    const categories = Array.isArray(f.categories) ? f.categories : [];
    const firstCategory = asString(categories[0]);
    const links = isObject(f.links) ? f.links : {};
    const productPages = Array.isArray(links.productPage) ? links.productPage : [];
    const rel = `${OFL}/${e.maker}/${e.file}`;

    const payload: JsonObject = {
      SF_Catalog_Id: syntheticSfId(`raw/${rel}`),
      SF_Catalog_Name: model,
      Brand_Web_Retailer: asString(makerInfo.name) ?? e.maker,
      Model_Number_Web_Retailer: model,
      Product_Title_Web_Retailer: name,
      Web_Retailer_Category: 'LIGHTING',
    };
    if (firstCategory) payload.Web_Retailer_SubCategory = firstCategory.toUpperCase();
    if (isObject(f.physical)) payload.Web_Retailer_Specs = oflSpecs(f.physical);
    const page = asString(productPages[0]);
    if (page) payload.Reference_URL = page;
    addExample(
      'open-fixture-library',
      safeName(`${e.maker}-${e.file.replace(/\.json$/, '')}`),
      payload,
      `raw/${rel}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// 4. Unihack distributor item master
// ---------------------------------------------------------------------------------------------

const UNIHACK = 'unihack-unilog-distributor/Unihack_ Sample Dataset - Input.SHARED-80pct.csv';
const UNIHACK_COLUMNS = ['Mfg_Part_Num', 'Part_Desc', 'E1_Brand', 'Unilog_Brand', 'DIB_Brand', 'Part_Manuf'];

// Supplier / brand columns that mean lighting (ceiling fans count: Ferguson files them under Lighting).
const LIGHTING_MANUF =
  /^(Kichler Lighting|Phillips Lighting|Satco Prod|Cooper Lighting|Feit Electric|Hunter Fan)\b/;
const LIGHTING_DIB = new Set(['Philips', 'Satco', 'Wiz', 'Feit Electric', 'GT-Lite', 'Hunter']);
// Brand or product words inside Part_Desc ("Phillips" alone is not used: it is also a screw drive).
const LIGHTING_DESC =
  /\b(Kichler|Nuvo|WiZ|Feit|Satco|Chandelier|Pendant|Sconce|Vanity|Bulb|Lamp|Light|Lt|FlashLt|Lantern|Downlight)\b/i;
const NOT_LIGHTING_DESC = /\bLight Buff\b/i; // a mortar colour
const APPLIANCE_MANUF = /^Appliance Dealers Cooperative\b/;
const APPLIANCE_DESC =
  /\b(Dishwasher|Washer|Dryer|Fridge|Refrigerator|Freezer|Microwave|Mocrowave|Oven|Cooktop|Beverage Center|Coffee Maker|Espresso|Toaster|Laundry Center)\b/i;
const OTHER_EVERY = 10;

function unihackKind(r: Record<string, string>): 'lighting' | 'appliance' | 'other' {
  const desc = r.Part_Desc ?? '';
  const manuf = r.Part_Manuf ?? '';
  if (APPLIANCE_MANUF.test(manuf)) return 'appliance';
  if (LIGHTING_MANUF.test(manuf) || LIGHTING_DIB.has(r.DIB_Brand ?? '')) return 'lighting';
  if (LIGHTING_DESC.test(desc) && !NOT_LIGHTING_DESC.test(desc)) return 'lighting';
  // Appliance words outside the appliance co-op only count with a big-appliance brand in the text.
  if (APPLIANCE_DESC.test(desc) && /\b(GE|LG|Whirlpool|Speed Queen|SQ|Frigidaire|Cafe|Café)\b/.test(desc)) {
    return 'appliance';
  }
  return 'other';
}

function buildUnihack() {
  const records = csvRecords(readText(UNIHACK));
  const header = Object.keys(records[0] ?? {});
  if (header.join(',') !== UNIHACK_COLUMNS.join(',')) throw new Error(`Unihack header changed: ${header}`);
  let otherSeen = 0;
  records.forEach((r, idx) => {
    const rowNo = idx + 1; // data row number, header excluded
    const kind = unihackKind(r);
    if (kind === 'other' && otherSeen++ % OTHER_EVERY !== 0) return;
    const part = r.Mfg_Part_Num ?? '';
    const source = `raw/${UNIHACK}#row=${rowNo}`;
    const payload: JsonObject = { SF_Catalog_Id: syntheticSfId(source), SF_Catalog_Name: part };
    for (const col of UNIHACK_COLUMNS) payload[col] = r[col] ?? '';
    addExample(`unihack-${kind}`, safeName(part), payload, source);
  });
}

// ---------------------------------------------------------------------------------------------
// 5. Icecat spec sheets
// ---------------------------------------------------------------------------------------------

const ICECAT = 'icecat-harvester-sample/data/sample-data';
const ICECAT_FALLBACK_GROUP = 'Other features';

/** Icecat feature group of each attribute, read from the "Key Specifications" block of the description. */
function icecatGroups(description: string): Map<string, string> {
  const groups = new Map<string, string>();
  const at = description.indexOf('Key Specifications:');
  if (at < 0) return groups;
  for (const m of description.slice(at).matchAll(/^- \*\*(.+?)\*\*: (.*)$/gm)) {
    for (const part of (m[2] ?? '').split('; ')) {
      const key = part.split(': ')[0] ?? '';
      if (key && !groups.has(key)) groups.set(key, m[1] ?? ICECAT_FALLBACK_GROUP);
    }
  }
  return groups;
}

/** Dialect (a), as in the peer's recent-job-1: `<dl><dt><strong>Key:</strong>&nbsp;Value</dt>…</dl>`. */
function specTableDl(attrs: Array<[string, string]>): string {
  const rows = attrs.map(([k, v]) => `<dt><strong>${escapeHtml(k)}:</strong>\u00a0${escapeHtml(v)}</dt>`);
  return `<dl>${rows.join('')}</dl><p><br></p>`;
}

/** Dialect (b), as in the peer's recent-job-5: `<table class="inline_sd_table">` with group headers. */
function specTableInline(attrs: Array<[string, string]>, groupOf: Map<string, string>): string {
  const order: string[] = [];
  const byGroup = new Map<string, Array<[string, string]>>();
  for (const [k, v] of attrs) {
    const g = groupOf.get(k) ?? ICECAT_FALLBACK_GROUP;
    let list = byGroup.get(g);
    if (!list) {
      list = [];
      byGroup.set(g, list);
      order.push(g);
    }
    list.push([k, v]);
  }
  let html = '<table class="inline_sd_table">';
  for (const g of order) {
    html += `<tr class="inline_sd_row"><td colspan="2" rowspan="1" class="inline_sd_header">${escapeHtml(g)}</td></tr>`;
    (byGroup.get(g) ?? []).forEach(([k, v], i) => {
      const cls = i % 2 === 0 ? 'inline_sd_even_cell' : 'inline_sd_odd_cell';
      html +=
        `<tr class="inline_sd_cell_row"><td colspan="1" rowspan="1" class="${cls}"><b>${escapeHtml(k)}</b></td>` +
        `<td colspan="1" rowspan="1" class="${cls}">${escapeHtml(v)}</td></tr>`;
    });
  }
  return `${html}</table>`;
}

function buildIcecat() {
  let n = 0;
  for (const file of listDir(ICECAT).filter((f) => f.endsWith('.ndjson'))) {
    const lines = readText(`${ICECAT}/${file}`).split('\n');
    lines.forEach((line, lineIdx) => {
      if (line.trim() === '') return;
      const rec = asObject(JSON.parse(line) as Json, `${file}:${lineIdx + 1}`);
      const title = asString(rec.title) ?? '';
      const description = asString(rec.description) ?? '';
      const attrsObj = isObject(rec.attrs) ? rec.attrs : {};
      const attrs: Array<[string, string]> = Object.entries(attrsObj).map(([k, v]) => [
        k,
        typeof v === 'string' ? v : JSON.stringify(v),
      ]);
      // No record carries a product model / MPN attribute ("Processor model" etc. describe parts),
      // so the SF name is a slug of the title.
      const modelAttr = attrs.find(([k]) => /^(model|mpn|manufacturer part number|product code)$/i.test(k));
      const sfName = modelAttr ? modelAttr[1] : slug(title);
      const categories = Array.isArray(rec.categories) ? rec.categories : [];
      const category = asString(categories[0]);
      const image = asString(rec.image_url);
      const source = `raw/${ICECAT}/${file}#line=${lineIdx + 1}`;
      const payload: JsonObject = {
        SF_Catalog_Id: syntheticSfId(source),
        SF_Catalog_Name: sfName,
        Brand_Web_Retailer: asString(rec.brand),
        Product_Title_Web_Retailer: title,
        Product_Description_Web_Retailer: description,
      };
      if (category) payload.Web_Retailer_Category = category.toUpperCase();
      payload.Specification_Table =
        attrs.length === 0
          ? null
          : n % 2 === 0
            ? specTableDl(attrs)
            : specTableInline(attrs, icecatGroups(description));
      payload.Stock_Images = image ? [{ url: image }] : [];
      addExample('icecat', safeName(`${asString(rec.id) ?? n}-${slug(title, 60)}`), payload, source);
      n++;
    });
  }
}

// ---------------------------------------------------------------------------------------------
// 6. Mocha Matter devices
// ---------------------------------------------------------------------------------------------

const MATTER = 'mocha-matter-devices/devices';
const MATTER_SECTIONS = ['general_info', 'product_info', 'connectivity_info', 'device_info'];
const PLACEHOLDER_SKUS = new Set(['sku']); // template text left in one file

function listFilesRecursive(rel: string): string[] {
  const out: string[] = [];
  for (const name of listDir(rel)) {
    const child = `${rel}/${name}`;
    if (fs.statSync(rawPath(child)).isDirectory()) out.push(...listFilesRecursive(child));
    else out.push(child);
  }
  return out;
}

function specString(v: Json): string | null {
  if (v === null) return null;
  if (Array.isArray(v)) return v.map((x) => (x === null ? '' : String(x))).join(', ');
  if (typeof v === 'object') return null;
  const s = String(v);
  return s === '' ? null : s;
}

function matterSpecs(doc: JsonObject, variant: JsonObject | null): Spec[] {
  const specs: Spec[] = [];
  const walk = (v: Json, key: string) => {
    if (isObject(v)) {
      for (const [k, child] of Object.entries(v)) walk(child, `${key}.${k}`);
    } else if (Array.isArray(v) && v.some(isObject)) {
      // The variants list: only the variant this record is about.
      if (variant) walk(variant, key);
    } else {
      const s = specString(v);
      if (s !== null) specs.push({ name: key, value: s });
    }
  };
  for (const section of MATTER_SECTIONS) {
    const v = doc[section];
    if (v !== undefined) walk(v, section);
  }
  return specs;
}

function buildMatter() {
  for (const rel of listFilesRecursive(MATTER).filter((f) => f.endsWith('.md'))) {
    const doc = parseYaml(frontMatter(readText(rel)));
    const general = isObject(doc.general_info) ? doc.general_info : {};
    const product = isObject(doc.product_info) ? doc.product_info : {};
    const variants = (Array.isArray(product.variants) ? product.variants : []).filter(isObject);
    const list: Array<JsonObject | null> = variants.length > 0 ? variants : [null];
    const category = rel.slice(MATTER.length + 1).split('/')[0] ?? '';
    const stem = path.basename(rel, '.md');
    const model = asString(general.model) ?? stem;

    list.forEach((variant, vi) => {
      const rawSku = variant ? asString(variant.sku) : null;
      const sku = rawSku && rawSku.trim() !== '' && !PLACEHOLDER_SKUS.has(rawSku) ? rawSku : null;
      const variantName = variant ? asString(variant.name) : null;
      const source = `raw/${rel}${variant ? `#variant=${vi}` : ''}`;
      const msrp = variant?.msrp_ea;
      const url =
        (variant ? asString(variant.official_product_page_url) : null) ??
        asString(product.official_product_page_url);
      const payload: JsonObject = {
        SF_Catalog_Id: syntheticSfId(source),
        SF_Catalog_Name: sku ?? model,
        Brand_Web_Retailer: asString(general.make),
        Model_Number_Web_Retailer: sku ?? model,
        Product_Title_Web_Retailer: list.length > 1 && variantName ? `${model} ${variantName}` : model,
        MSRP_Web_Retailer: typeof msrp === 'number' ? msrp : null,
        Web_Retailer_Category: category.toUpperCase(),
        Web_Retailer_Specs: matterSpecs(doc, variant),
      };
      if (url) payload.Reference_URL = url;
      const vStem = list.length > 1 && variantName ? `${stem}-${variantName}` : stem;
      addExample('matter-devices', safeName(vStem), payload, source);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// 7. Softstore lights
// ---------------------------------------------------------------------------------------------

const SOFTSTORE = 'softstore-gearshop-lighting/softstore-products.csv';

/** Split "NAME：value" / "Name: value" on the first ASCII or full-width colon; names and values verbatim. */
function splitSpecLine(line: string): Spec | null {
  const m = /^(.*?)\s*[:\uff1a]\s*(.*)$/s.exec(line.trim());
  if (!m) return null;
  const name = m[1] ?? '';
  const value = (m[2] ?? '').trim();
  if (name === '' || value === '') return null;
  return { name, value };
}

function buildSoftstore() {
  const records = csvRecords(readText(SOFTSTORE));
  records.forEach((r, idx) => {
    const desc = r.desc ?? '';
    // The feed stores line breaks as the two characters `\n`.
    const descLines = desc.split(/\\n|\r?\n/).filter((l) => l.trim() !== '');
    let tags: string[] = [];
    try {
      const parsed = JSON.parse(r.specs || '[]') as Json;
      if (Array.isArray(parsed)) tags = parsed.filter((x): x is string => typeof x === 'string');
    } catch {
      tags = [];
    }
    const specs: Spec[] = [];
    const seen = new Set<string>();
    const features: string[] = [];
    for (const line of descLines) {
      const s = splitSpecLine(line);
      if (s) {
        specs.push(s);
        seen.add(`${s.name}\u0000${s.value}`);
      }
    }
    for (const tag of tags) {
      const s = splitSpecLine(tag);
      if (!s) features.push(tag);
      else if (!seen.has(`${s.name}\u0000${s.value}`)) {
        specs.push(s); // the highlight list sometimes disagrees with the description; keep both
        seen.add(`${s.name}\u0000${s.value}`);
      }
    }
    const model = specs.find((s) => s.name.toUpperCase() === 'MODEL')?.value ?? (r.name ?? '').trim();
    let gallery: string[] = [];
    try {
      const parsed = JSON.parse(r.gallery || '[]') as Json;
      if (Array.isArray(parsed)) gallery = parsed.filter((x): x is string => typeof x === 'string');
    } catch {
      gallery = [];
    }
    const images = [...new Set([r.image ?? '', ...gallery].filter((u) => u !== ''))];
    const source = `raw/${SOFTSTORE}#row=${idx + 1}`;
    const payload: JsonObject = {
      SF_Catalog_Id: syntheticSfId(source),
      SF_Catalog_Name: model,
      Brand_Web_Retailer: null,
      Model_Number_Web_Retailer: model,
      Product_Title_Web_Retailer: r.name ?? '',
      Product_Description_Web_Retailer: desc,
    };
    if (features.length > 0) {
      payload.Features_Web_Retailer = `<ul>${features.map((f) => `<li>${escapeHtml(f)}</li>`).join('')}</ul>`;
    }
    payload.Web_Retailer_Category = 'LIGHTING';
    if (r.category) payload.Web_Retailer_SubCategory = r.category.toUpperCase();
    payload.Web_Retailer_Specs = specs;
    payload.Stock_Images = images.map((url) => ({ url }));
    addExample('softstore-lighting', safeName(`${r.id ?? idx + 1}-${r.name ?? ''}`), payload, source);
  });
}

// ---------------------------------------------------------------------------------------------
// 8. Salesforce eBikes sObject Tree
// ---------------------------------------------------------------------------------------------

const EBIKES = 'salesforce-ebikes-lwc/data/Product__cs.json';

function buildEbikes() {
  const tree = asObject(readJson(EBIKES), EBIKES);
  const records = Array.isArray(tree.records) ? tree.records : [];
  records.forEach((recJson, i) => {
    const rec = asObject(recJson, `${EBIKES} records[${i}]`);
    const attributes = isObject(rec.attributes) ? rec.attributes : {};
    const ref = asString(attributes.referenceId) ?? String(i);
    const source = `raw/${EBIKES}#${ref}`;
    const name = asString(rec.Name) ?? ref;
    const payload: JsonObject = { SF_Catalog_Id: syntheticSfId(source), SF_Catalog_Name: name };
    for (const [k, v] of Object.entries(rec)) {
      if (k === 'attributes') continue;
      if (typeof v === 'string' && v.startsWith('@')) continue; // sObject Tree reference, e.g. @FuseRef
      payload[k] = v;
    }
    addExample('salesforce-ebikes', safeName(name), payload, source);
  });
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

function checkIds() {
  const owner = new Map<string, Example>();
  for (const ex of examples) {
    const id = asString(ex.payload.SF_Catalog_Id);
    if (id === null) {
      if (!ex.realSfId) throw new Error(`${ex.group}/${ex.stem}: no SF_Catalog_Id`);
      continue;
    }
    if (!ex.realSfId && !/^a03[0-9A-Za-z]{15}$/.test(id)) throw new Error(`bad synthetic id ${id}`);
    const prev = owner.get(id);
    if (prev && !(prev.realSfId && ex.realSfId)) {
      throw new Error(`SF_Catalog_Id ${id} shared by ${prev.group}/${prev.stem} and ${ex.group}/${ex.stem}`);
    }
    owner.set(id, ex);
  }
}

function main() {
  if (!fs.existsSync(RAW_DIR)) throw new Error(`corpus not found at ${RAW_DIR} (set CORPUS_DIR)`);
  buildPeerJobs();
  buildOfl();
  buildUnihack();
  buildIcecat();
  buildMatter();
  buildSoftstore();
  buildEbikes();
  checkIds();

  const groups = [...new Set(examples.map((e) => e.group))].sort(cmp);
  fs.mkdirSync(OUT_DIR, { recursive: true });
  for (const g of groups) fs.rmSync(path.join(OUT_DIR, g), { recursive: true, force: true });

  const index: JsonObject[] = [];
  for (const ex of examples) {
    const dir = path.join(OUT_DIR, ex.group);
    fs.mkdirSync(dir, { recursive: true });
    const file = `${ex.stem}.json`;
    fs.writeFileSync(path.join(dir, file), `${JSON.stringify(ex.payload, null, 2)}\n`, 'utf8');
    index.push({
      file: `examples/${ex.group}/${file}`,
      group: ex.group,
      sfCatalogId: asString(ex.payload.SF_Catalog_Id),
      sfCatalogName: asString(ex.payload.SF_Catalog_Name),
      source: ex.source,
    });
  }
  index.sort((a, b) => cmp(String(a.file), String(b.file)));
  fs.writeFileSync(path.join(OUT_DIR, 'index.json'), `${JSON.stringify(index, null, 2)}\n`, 'utf8');

  const counts = new Map<string, number>();
  for (const ex of examples) counts.set(ex.group, (counts.get(ex.group) ?? 0) + 1);
  for (const g of groups) console.log(`${g.padEnd(24)} ${counts.get(g)}`);
  const converted = examples.filter((e) => e.group !== 'peer-jobs').length;
  console.log(`${'total'.padEnd(24)} ${examples.length} (${converted} besides peer-jobs)`);
}

main();
