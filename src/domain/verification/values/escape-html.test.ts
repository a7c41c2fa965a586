import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { escapeHtml } from './escape-html.ts';
import { decodeEntities } from './text.ts';

describe('escapeHtml', () => {
  test('escapes the characters that end text or a double-quoted attribute', () => {
    assert.equal(escapeHtml('Metal & Glass'), 'Metal &amp; Glass');
    assert.equal(escapeHtml('<script>"x"</script>'), '&lt;script&gt;&quot;x&quot;&lt;/script&gt;');
    assert.equal(escapeHtml('52" fan'), '52&quot; fan');
    assert.equal(escapeHtml("True's"), "True's");
    assert.equal(escapeHtml('&amp;'), '&amp;amp;');
  });

  test('property: decodeEntities undoes it', () => {
    fc.assert(fc.property(fc.string(), (text) => assert.equal(decodeEntities(escapeHtml(text)), text)));
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) =>
        assert.equal(decodeEntities(escapeHtml(text)), text),
      ),
    );
  });

  test('property: the result holds no markup characters', () => {
    fc.assert(fc.property(fc.string(), (text) => assert.ok(!/[<>"]/u.test(escapeHtml(text)))));
  });
});
