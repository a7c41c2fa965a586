import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { verify } from './support.ts';

/**
 * One test per engine fault found while writing the domain suite; each failed before its fix.
 * The payloads are small and made up, in the shapes of PEER-CONTRACT §3.
 */

const base = { SF_Catalog_Id: 'a03aZ00000AsOWPQA3', SF_Catalog_Name: 'IE101WC' };

describe('verification engine regressions', () => {
  test('numbers agree transitively: a third source agreeing with the winner does not create a conflict', () => {
    // 50 (retailer) and 49.2 (Ferguson) agree within 2 %; the manual 50.9 agrees with 50. The
    // cluster used to be measured against its first member (50.9) only, so 49.2 fell out and the
    // width became a conflict that blocked the record.
    const { result } = verify({
      ...base,
      Width_Manual: '50.9 in',
      Width_Web_Retailer: '50 in',
      Ferguson_Width: '49.2 in.',
    });
    const width = result.Verity_Provenance['Primary_Attributes.Width_Verified'];
    assert.equal(result.Primary_Attributes.Width_Verified, '50.9');
    assert.equal(width?.agreement, 'agreed');
    assert.deepEqual(width?.sources.map((source) => source.path).sort(), [
      'Ferguson_Width',
      'Width_Manual',
      'Width_Web_Retailer',
    ]);
    assert.deepEqual(result.Verity_Findings.conflicts, []);
  });

  test('a UPC-A and the same GTIN written with a leading zero agree', () => {
    const { result, status } = verify({
      ...base,
      Brand_Manual: 'INSINKERATOR',
      Category_Manual: 'Garbage Disposals #',
      UPC_Manual: '050375006633',
      Web_Retailer_Specs: [{ name: 'EAN', value: '0050375006633' }],
    });
    assert.equal(result.Primary_Attributes.UPC_GTIN_Verified, '050375006633');
    const upc = result.Verity_Provenance['Primary_Attributes.UPC_GTIN_Verified'];
    assert.equal(upc?.agreement, 'agreed');
    assert.equal(upc?.sources.length, 2);
    assert.deepEqual(result.Verity_Findings.conflicts, []);
    assert.notEqual(status, 'data_conflict');
  });

  test('an object or a list under a spec name is never turned into the text "[object Object]"', () => {
    const { result } = verify({
      ...base,
      Web_Retailer_Specs: [
        { name: 'Brand', value: { name: 'Kichler' } },
        { name: 'Finish', value: { hex: '766440' } },
        { name: 'Product Description', value: ['a', 'b'] },
      ],
    });
    const json = JSON.stringify(result);
    assert.ok(!json.includes('[object Object]'), 'no [object Object] in the result');
    assert.equal(result.Primary_Attributes.Brand_Verified, 'Not Found');
    assert.equal(result.Primary_Attributes.Color_Verified, 'Not Found');
    assert.equal(result.Primary_Attributes.Finish_Verified, '');
  });

  test('the subcategory never comes from a source that describes another product', () => {
    const { result, status } = verify({
      ...base,
      Model_Number_Manual: 'IE101WC',
      Brand_Manual: 'INSINKERATOR',
      Model_Number_Web_Retailer: 'ZX9000',
      Web_Retailer_SubCategory: 'CEILING FANS',
    });
    assert.equal(status, 'data_conflict');
    assert.equal(result.Primary_Attributes.SubCategory_Verified, '');
    assert.equal(result.Verity_Provenance['Primary_Attributes.SubCategory_Verified'], undefined);
  });

  test("Price_Analysis.msrp_web_retailer is not a sibling variant's price", () => {
    const { result } = verify({
      SF_Catalog_Id: 'a03aZ00000QKdJFQA1',
      SF_Catalog_Name: '310452SNB',
      Model_Number_Web_Retailer: '310452WH',
      MSRP_Web_Retailer: 399,
      Brand_Web_Retailer: 'Kichler',
    });
    assert.deepEqual(
      result.Verity_Findings.modelMismatches.map((mismatch) => mismatch.relation),
      ['sibling'],
    );
    assert.equal(result.Primary_Attributes.MSRP_Verified, 'Not Found');
    assert.equal((result.Price_Analysis as { msrp_web_retailer: number }).msrp_web_retailer, 0);
  });

  test('two colours stay two colours: "Black, White" is not the colour "Black White"', () => {
    const { result } = verify({
      ...base,
      Specification_Table: '<dl><dt><strong>Colour:</strong> Black, White</dt></dl>',
    });
    assert.equal(result.Primary_Attributes.Color_Verified, 'Black, White');
  });

  test('spec names with a digit and a capital (3G, 4K) are one key however they are spelled', () => {
    // Regression: `3G standards` was split like camelCase into `3 g standards`.
    const { result } = verify({
      ...base,
      Specification_Table: '<dl><dt><strong>3G standards:</strong> UMTS</dt></dl>',
    });
    assert.deepEqual(
      result.Verity_Findings.unmappedKeys.map((key) => key.normalisedKey),
      ['3g standards'],
    );
  });
});
