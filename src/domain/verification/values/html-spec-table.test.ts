import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { escapeHtml } from './escape-html.ts';
import { parseSpecificationTable, type SpecEntry } from './html-spec-table.ts';
import { normaliseSpace } from './text.ts';

const testData = new URL(
  '../../../../../shared/corpus/raw/topmcon-catalog-verification-api/test-data/',
  import.meta.url,
);

function readPayload(name: string, pick: (document: unknown) => unknown): Record<string, unknown> | null {
  const file = new URL(name, testData);
  if (!existsSync(file)) return null;
  return pick(JSON.parse(readFileSync(file, 'utf8'))) as Record<string, unknown>;
}

function entry(name: string, value: string, group: string | null = null): SpecEntry {
  return { name, value, group };
}

describe('parseSpecificationTable: dialect (a), <dl><dt><strong>Key:</strong>&nbsp;Value</dt>', () => {
  test('recent-job-1: the InSinkErator disposer', (t) => {
    const payload = readPayload(
      'recent-job-1.json',
      (document) => (document as { rawPayload: unknown }).rawPayload,
    );
    if (payload === null) {
      t.skip('topmcon corpus not present');
      return;
    }
    assert.deepEqual(parseSpecificationTable(String(payload.Specification_Table)), [
      entry('AMP', '5.7'),
      entry('Capacity', '26 oz'),
      entry('Collection', 'Evergrind®'),
      entry('Color Finish Category', 'Greys'),
      entry('Color Finish Name', 'Grey'),
      entry('Depth', '7-2/5 in'),
      entry('Diameter', '6-5/16 in'),
      entry('Height', '11-1/2 in'),
      entry('Horsepower', '1/3 hp'),
      entry('Material', 'Galvanized Steel, Stainless Steel'),
      entry('Plug Included', 'Yes'),
      entry('Power Source', 'Electric'),
      entry('Product Type', 'Continuous Feed'),
      entry('RPM', '1725'),
      entry('UL Listed', 'Yes'),
      entry('UPC', '050375006633'),
      entry('Volts', '120V'),
      entry('Weight', '11 lb'),
      entry('Width', '6-31/100 in'),
    ]);
  });

  test('the same dialect written by hand, with entities and a trailing paragraph', () => {
    assert.deepEqual(
      parseSpecificationTable(
        '<dl><dt><strong>Width:</strong>&nbsp;52&quot;</dt><dt><strong>Finish :</strong> Satin&nbsp;Natural Bronze</dt></dl><p><br></p>',
      ),
      [entry('Width', '52"'), entry('Finish', 'Satin Natural Bronze')],
    );
  });

  test('<dt>Key</dt><dd>Value</dd> and <dt>Key: Value</dt>', () => {
    assert.deepEqual(
      parseSpecificationTable('<dl><dt>Depth</dt><dd>7-2/5 in</dd><dt>Volts: 120V</dt></dl>'),
      [entry('Depth', '7-2/5 in'), entry('Volts', '120V')],
    );
  });
});

describe('parseSpecificationTable: dialect (b), <table class="inline_sd_table">', () => {
  test('recent-job-5: the Kichler fan, groups from inline_sd_header rows', (t) => {
    const payload = readPayload(
      'recent-job-5.json',
      (document) => (document as { rawPayload: unknown }).rawPayload,
    );
    if (payload === null) {
      t.skip('topmcon corpus not present');
      return;
    }
    const entries = parseSpecificationTable(String(payload.Specification_Table));
    assert.equal(entries.length, 36);
    assert.deepEqual(entries.slice(0, 4), [
      entry('CFM (High)', '4940', 'Performance'),
      entry('RPM (High)', '138', 'Performance'),
      entry('Watts (High)', '38', 'Performance'),
      entry('Airflow Efficiency CFM/W (High)', '130', 'Performance'),
    ]);
    const byName = new Map(entries.map((item) => [item.name, item]));
    assert.deepEqual(byName.get('Motor Size'), entry('Motor Size', '90 x 16', 'Motor Specifications'));
    assert.deepEqual(byName.get('Blade Pitch'), entry('Blade Pitch', '20', 'Blade Finish & Specs'));
    assert.deepEqual(byName.get('# of speeds'), entry('# of speeds', '6', 'Included Control'));
    assert.deepEqual(
      byName.get('Max Stem Tilt'),
      entry('Max Stem Tilt', '18.0 Degrees', 'Mounting/Installation'),
    );
    assert.deepEqual(byName.get('Base Backplate'), entry('Base Backplate', '5.25" DIA', 'Dimensions'));
    assert.deepEqual(byName.get('Width'), entry('Width', '52.00"', 'Dimensions'));
    assert.deepEqual(byName.get('Lamp Included'), entry('Lamp Included', 'Not Included', 'Light Source'));
    assert.deepEqual(byName.get('UPC'), entry('UPC', '783927044370', 'Product/Ordering Information'));
    assert.deepEqual(byName.get('Input Voltage'), entry('Input Voltage', '120.00V', 'Electrical'));
    assert.deepEqual(entries.at(-1), entry('Title 20 Compliant', 'Yes', 'Certifications/Qualifications'));
  });

  test('production snapshot: the KitchenAid oven', (t) => {
    const payload = readPayload(
      'production-jobs-snapshot.json',
      (document) => (document as Array<{ rawPayload: unknown }>)[0]?.rawPayload,
    );
    if (payload === null) {
      t.skip('topmcon corpus not present');
      return;
    }
    const entries = parseSpecificationTable(String(payload.Specification_Table));
    assert.equal(entries.length, 77);
    assert.deepEqual(entries[0], entry('Ada Compliant', 'Yes', 'Certifications'));
    const byName = new Map(entries.map((item) => [item.name, item]));
    assert.deepEqual(byName.get('Door Type'), entry('Door Type', 'Metal & Glass', 'Exterior Details'));
    assert.deepEqual(byName.get('Net Weight'), entry('Net Weight', '167.4', 'Dimensions'));
    assert.deepEqual(byName.get('Bake Element Power'), entry('Bake Element Power', '2800W', 'Oven Details'));
    assert.match(byName.get('Cooktop Combinations')?.value ?? '', /^KCES550; KCES556; .*KICU569$/u);
    assert.deepEqual(
      entries.at(-1),
      entry('Works With', 'App; Bluetooth; Remote Access; WiFi', 'Smart Compatibility'),
    );
  });

  test('plain tables: th or td keys, a thead of column labels skipped, tags in values stripped', () => {
    assert.deepEqual(
      parseSpecificationTable(
        '<table><thead><tr><th>Attribute</th><th>Value</th></tr></thead><tbody>' +
          '<tr><th>Width</th><td><span>6-31/100</span> in</td></tr>' +
          '<tr><td>Weight</td><td>92.53 kg,<br>204 lbs</td></tr>' +
          '<tr><th colspan="2">Electrical</th></tr>' +
          '<tr><td>Volts</td><td>120V</td></tr></tbody></table>',
      ),
      [
        entry('Width', '6-31/100 in'),
        entry('Weight', '92.53 kg, 204 lbs'),
        entry('Volts', '120V', 'Electrical'),
      ],
    );
  });

  test('duplicates and source order are kept', () => {
    const row = '<tr><td><b>UPC</b></td><td>783927044370</td></tr>';
    assert.deepEqual(parseSpecificationTable(`<table>${row}${row}</table>`), [
      entry('UPC', '783927044370'),
      entry('UPC', '783927044370'),
    ]);
  });
});

describe('parseSpecificationTable: bad input', () => {
  test('empty, text-only and truncated HTML give what can be read', () => {
    assert.deepEqual(parseSpecificationTable(''), []);
    assert.deepEqual(parseSpecificationTable('no markup at all'), []);
    assert.deepEqual(parseSpecificationTable('<table><tr><td><b>Width</b></td><td>52'), [
      entry('Width', '52'),
    ]);
    assert.deepEqual(parseSpecificationTable('<dl><dt><strong>AMP:</strong>&nbsp;5.7'), [
      entry('AMP', '5.7'),
    ]);
    assert.deepEqual(parseSpecificationTable('<table><tr><td></td><td>orphan value</td></tr></table>'), []);
  });

  test('property: never throws', () => {
    fc.assert(fc.property(fc.string(), (html) => Array.isArray(parseSpecificationTable(html))));
    const markup = fc.constantFrom(
      ...[
        '<table>',
        '</table>',
        '<tr>',
        '</tr>',
        '<td class="inline_sd_header">',
        '<td>',
        '</td>',
        '<th>',
        '<b>',
      ],
      ...[
        '</b>',
        '<dl>',
        '<dt>',
        '</dt>',
        '<dd>',
        '<strong>',
        '</strong>',
        '<thead>',
        'Key:',
        '&nbsp;',
        'v',
        ' ',
      ],
    );
    fc.assert(
      fc.property(fc.array(markup, { maxLength: 30 }), (tokens) => {
        for (const item of parseSpecificationTable(tokens.join(''))) assert.notEqual(item.name, '');
      }),
    );
  });
});

describe('parseSpecificationTable: round trip', () => {
  const text = fc.string({ unit: 'grapheme' }).filter((candidate) => normaliseSpace(candidate) === candidate);
  const name = text.filter((candidate) => candidate !== '' && !/[:：]$/u.test(candidate));
  const pair = fc.record({ name, value: text });

  test('property: dialect (a) returns the pairs it was rendered from', () => {
    fc.assert(
      fc.property(fc.array(pair, { maxLength: 8 }), (pairs) => {
        const html = `<dl>${pairs
          .map((item) => `<dt><strong>${escapeHtml(item.name)}:</strong>&nbsp;${escapeHtml(item.value)}</dt>`)
          .join('')}</dl><p><br></p>`;
        assert.deepEqual(
          parseSpecificationTable(html),
          pairs.map((item) => entry(item.name, item.value)),
        );
      }),
    );
  });

  test('property: dialect (b) returns the pairs and their groups', () => {
    const section = fc.record({ group: name, pairs: fc.array(pair, { maxLength: 4 }) });
    fc.assert(
      fc.property(fc.array(section, { maxLength: 4 }), (sections) => {
        const cell = (parity: string, content: string): string =>
          `<td colspan="1" rowspan="1" class="inline_sd_${parity}_cell">${content}</td>`;
        const rows = sections.flatMap((part) => [
          `<tr class="inline_sd_row"><td colspan="2" rowspan="1" class="inline_sd_header">${escapeHtml(part.group)}</td></tr>`,
          ...part.pairs.map(
            (item, index) =>
              `<tr class="inline_sd_cell_row">${cell(index % 2 === 0 ? 'even' : 'odd', `<b>${escapeHtml(item.name)}</b>`)}${cell(index % 2 === 0 ? 'even' : 'odd', escapeHtml(item.value))}</tr>`,
          ),
        ]);
        assert.deepEqual(
          parseSpecificationTable(`<table class="inline_sd_table">${rows.join('')}</table>`),
          sections.flatMap((part) => part.pairs.map((item) => entry(item.name, item.value, part.group))),
        );
      }),
    );
  });
});
