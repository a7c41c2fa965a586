import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseHtmlList, renderHtmlList } from './html-list.ts';
import { normaliseSpace } from './text.ts';

const testData = new URL(
  '../../../../../shared/corpus/raw/topmcon-catalog-verification-api/test-data/',
  import.meta.url,
);

describe('parseHtmlList', () => {
  test('items in order, entities decoded, nested lists flattened, empties dropped', () => {
    assert.deepEqual(parseHtmlList('<ul><li>One</li><li>Two &amp; three</li></ul>'), ['One', 'Two & three']);
    assert.deepEqual(parseHtmlList('<p><br></p><ul><li>A<ul><li>A.1</li></ul>tail</li><li>B</li></ul>'), [
      'A tail',
      'A.1',
      'B',
    ]);
    assert.deepEqual(parseHtmlList('<ul><ul><ul><li><br></li></ul></ul></ul>'), []);
    assert.deepEqual(parseHtmlList('<ol><li> spaced&nbsp; out </li><li>line<br>break</li></ol>'), [
      'spaced out',
      'line break',
    ]);
    assert.deepEqual(parseHtmlList('<ul><li>unclosed<li>second'), ['unclosed', 'second']);
    assert.deepEqual(parseHtmlList('just text'), []);
    assert.deepEqual(parseHtmlList(''), []);
  });

  test('the real feature lists', (t) => {
    const job = new URL('recent-job-1.json', testData);
    const snapshot = new URL('production-jobs-snapshot.json', testData);
    if (!existsSync(job) || !existsSync(snapshot)) {
      t.skip('topmcon corpus not present');
      return;
    }
    const payload = JSON.parse(readFileSync(job, 'utf8')).rawPayload;
    const features = parseHtmlList(payload.Features_Web_Retailer);
    assert.ok(features.length >= 5);
    assert.equal(features[0], 'Quick Lock(R) mounting for fast, easy installation');
    assert.ok(features.includes('Overload protector manual reset'));
    assert.deepEqual(parseHtmlList(payload.Features_Manual), features);
    // The oven's "feature list" is three nested lists around one empty item.
    const oven = JSON.parse(readFileSync(snapshot, 'utf8'))[0].rawPayload;
    assert.equal(oven.Features_Web_Retailer, '<ul><ul><ul><li><br></li></ul></ul></ul>');
    assert.deepEqual(parseHtmlList(oven.Features_Web_Retailer), []);
  });
});

describe('renderHtmlList', () => {
  test('the contract format, escaped', () => {
    assert.equal(
      renderHtmlList(['Quick Lock(R) mounting', '52" blades & <remote>']),
      '<ul>\n  <li>Quick Lock(R) mounting</li>\n  <li>52&quot; blades &amp; &lt;remote&gt;</li>\n</ul>',
    );
    assert.equal(renderHtmlList([]), '');
  });

  test('property: parsing a rendered list returns its items', () => {
    const item = fc
      .string({ unit: 'grapheme', minLength: 1 })
      .filter((text) => normaliseSpace(text) === text && text !== '');
    fc.assert(
      fc.property(fc.array(item, { maxLength: 8 }), (items) => {
        assert.deepEqual(parseHtmlList(renderHtmlList(items)), items);
      }),
    );
  });
});
