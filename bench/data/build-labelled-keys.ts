import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileRuleSet } from '../../src/domain/rule-set/compile-rule-set.ts';
import { buildDefaultRuleSet } from '../../src/domain/rule-set/default-rule-set.ts';
import { rulesSchema } from '../../src/domain/rule-set/rule-set-schema.ts';
import { normaliseKey } from '../../src/domain/verification/normalise.ts';
import { verifyRecord } from '../../src/domain/verification/verify-record.ts';
import { loadExampleRecords } from '../verification-bench.ts';

/**
 * Builds labelled-keys.json (see README.md): every label below was decided by reading the key's
 * real values in examples/ or the corpus; sample values and sources are read from the data here,
 * so the file can be regenerated: `node --import tsx bench/data/build-labelled-keys.ts`.
 * Row: [family, key as the source spells it, field id or null, note].
 */
type Row = readonly [family: string, key: string, label: string | null, note?: string];

const EXAMPLE_LABELS: readonly Row[] = [
  // Unihack distributor item master (examples/unihack-*): top-level custom fields.
  ['record', 'Mfg_Part_Num', 'model_number', 'manufacturer part number, equals the catalog name'],
  ['record', 'Part_Desc', 'title', 'short product title prefixed with the part number'],
  ['record', 'E1_Brand', 'brand', 'brand names (TREX, TIMBERTECH) or a placeholder'],
  ['record', 'DIB_Brand', 'brand', 'brand names (Philips, Hunter) or a placeholder'],
  ['record', 'Unilog_Brand', null, 'only ever "-- No Unilog Brand --"'],
  [
    'record',
    'Part_Manuf',
    null,
    'supplier with a vendor code ("Jam Industrial Supply LLC (JAMIN)"), not the brand',
  ],
  // salesforce-ebikes: Product__c custom fields.
  ['record', 'Description__c', 'description', 'product description (lorem ipsum in the sample org)'],
  ['record', 'Level__c', null, 'rider level'],
  ['record', 'Picture_URL__c', null, 'image link'],
  ['record', 'Battery__c', null, 'battery capacity in Wh, no such field'],
  ['record', 'Charger__c', null, 'charger spec'],
  ['record', 'Fork__c', null],
  ['record', 'Front_Brakes__c', null],
  ['record', 'Rear_Brakes__c', null],
  // legacy-rename: the peer's _Manual family renamed to _Legacy.
  ['record', 'Brand_Legacy', 'brand'],
  ['record', 'Model_Number_Legacy', 'model_number'],
  ['record', 'UPC_Legacy', 'upc'],
  ['record', 'Category_Legacy', 'category'],
  ['record', 'Product_Description_Legacy', 'description'],
  ['record', 'Features_Legacy', 'features'],
  ['record', 'Weight_Legacy', 'weight'],
  ['record', 'Capacity_Legacy', 'capacity'],
  ['record', 'Height_Legacy', 'height'],
  ['record', 'Width_Legacy', 'width'],
  ['record', 'Depth_Legacy', 'depth'],
  ['record', 'Product_Title_Legacy', 'title'],
  ['record', 'MSRP_Legacy', 'msrp'],
  // open-fixture-library (web_retailer_specs name/value pairs).
  ['web_retailer_specs', 'physical.weight', 'weight'],
  ['web_retailer_specs', 'physical.power', 'wattage'],
  ['web_retailer_specs', 'physical.bulb.lumens', 'lumens'],
  ['web_retailer_specs', 'physical.bulb.colorTemperature', 'color_temperature'],
  ['web_retailer_specs', 'physical.bulb.type', 'bulb_type', 'lamp model or technology (halogen, LED)'],
  ['web_retailer_specs', 'physical.dimensions', null, 'W x H x D in one value'],
  ['web_retailer_specs', 'physical.DMXconnector', null],
  ['web_retailer_specs', 'physical.lens.degreesMinMax', null, 'beam angle range, no such field'],
  ['web_retailer_specs', 'physical.powerConnectors', null],
  ['web_retailer_specs', 'physical.lens.name', null],
  ['web_retailer_specs', 'physical.matrixPixels.dimensions', null],
  ['web_retailer_specs', 'physical.matrixPixels.spacing', null],
  // softstore lighting.
  ['web_retailer_specs', 'OUTPUT POWER', 'wattage'],
  ['web_retailer_specs', 'INPUTVOLTAGE', 'voltage'],
  ['web_retailer_specs', 'NOISE', 'noise_level', '30dB'],
  ['web_retailer_specs', 'Luminous flux (ML)', 'lumens'],
  ['web_retailer_specs', 'LAMP BODY COLOR', 'color'],
  ['web_retailer_specs', 'Color rendering index', 'cri'],
  ['web_retailer_specs', 'PRODUCT SIZE', null, 'W*H*D in one value'],
  ['web_retailer_specs', 'LIGHT ANGLE', null],
  ['web_retailer_specs', 'LIFETIME', null],
  ['web_retailer_specs', 'CHARGING PORT', null],
  ['web_retailer_specs', 'LED QUANTITY', null],
  ['web_retailer_specs', 'POWER SUPPLY', null, 'a battery type (NP-F)'],
  ['web_retailer_specs', 'PACKING LIST', null],
  ['web_retailer_specs', 'BARE LAMP', null, 'illuminance in lux'],
  ['web_retailer_specs', 'LUX AT 1 METER', null],
  ['web_retailer_specs', 'RGB color tone', null],
  // Matter devices.
  ['web_retailer_specs', 'general_info.make', 'brand'],
  ['web_retailer_specs', 'product_info.variants.msrp_ea', 'msrp'],
  ['web_retailer_specs', 'product_info.variants.ean_or_upc', 'upc'],
  ['web_retailer_specs', 'device_info.brightness_lm', 'lumens'],
  ['web_retailer_specs', 'device_info.rated_power_w', 'wattage'],
  ['web_retailer_specs', 'device_info.color_rendering_index_cri', 'cri'],
  ['web_retailer_specs', 'product_info.variants.variant_device_info.brightness_lm', 'lumens'],
  ['web_retailer_specs', 'product_info.variants.variant_device_info.rated_power_w', 'wattage'],
  [
    'web_retailer_specs',
    'device_info.eqiv_power_w',
    null,
    'incandescent-equivalent wattage, not the power drawn',
  ],
  ['web_retailer_specs', 'general_info.type', null],
  ['web_retailer_specs', 'product_info.variants.name', null],
  ['web_retailer_specs', 'product_info.variants.in_production', null],
  ['web_retailer_specs', 'product_info.variants.price_last_checked', null, 'timestamp'],
  ['web_retailer_specs', 'product_info.variants.page_last_checked', null, 'timestamp'],
  ['web_retailer_specs', 'product_info.variants.official_product_page_url', null, 'link'],
  ['web_retailer_specs', 'product_info.variants.spec_sheet_url', null, 'link'],
  ['web_retailer_specs', 'product_info.variants.sku', null],
  ['web_retailer_specs', 'connectivity_info.matter_certified', null],
  ['web_retailer_specs', 'connectivity_info.works_with_homekit', null],
  ['web_retailer_specs', 'connectivity_info.works_with_alexa', null],
  ['web_retailer_specs', 'connectivity_info.app_required_for_full_functionality', null],
  ['web_retailer_specs', 'device_info.led_category', null],
  ['web_retailer_specs', 'device_info.bulb_shape', null],
  ['web_retailer_specs', 'device_info.beam_angle_deg', null],
  ['web_retailer_specs', 'device_info.battery_type', null],
  ['web_retailer_specs', 'device_info.white_color_temp_range_k_end', null, 'top of a tunable range'],
  // Peer jobs (wall oven, ceiling fan): retailer spec names.
  ['web_retailer_specs', 'Ada Compliant', 'ada'],
  ['web_retailer_specs', 'Lp Convertible', 'lp_conversion'],
  ['web_retailer_specs', 'Oven Automatic Shut-off', 'auto_shut_off'],
  ['web_retailer_specs', 'Oven Configuration', 'configuration', 'Single Oven'],
  ['web_retailer_specs', 'Smart Appliance', 'smart_home'],
  ['web_retailer_specs', 'Oven Ignition Type', 'ignition_type'],
  ['web_retailer_specs', 'Power On Indicator Light', 'indicator_light'],
  ['web_retailer_specs', '# of speeds', 'fan_speeds'],
  ['web_retailer_specs', 'Mounting Style', 'mounting_type', 'Downrod'],
  ['web_retailer_specs', 'Blade Material', 'fan_blade_material'],
  ['web_retailer_specs', 'Primary Material', 'material'],
  ['web_retailer_specs', 'Cul', null],
  ['web_retailer_specs', 'Ul', null],
  ['web_retailer_specs', 'Star K Certified', null],
  ['web_retailer_specs', 'Display Color', null],
  ['web_retailer_specs', 'Electronic Display Type', null],
  ['web_retailer_specs', 'Cooktop Combinations', null],
  ['web_retailer_specs', 'Delay Clean', null],
  ['web_retailer_specs', 'Flush Installation Approved', null],
  ['web_retailer_specs', 'Light Control', null],
  ['web_retailer_specs', 'Oven Selections', null],
  ['web_retailer_specs', 'Temperature Conversion', null],
  ['web_retailer_specs', 'Gross Weight', null, 'shipping weight, not the product weight'],
  ['web_retailer_specs', 'Oven Interior Height', null],
  ['web_retailer_specs', 'Oven Interior Depth', null],
  ['web_retailer_specs', 'Oven Interior Width', null],
  ['web_retailer_specs', 'Cutout Depth', null],
  ['web_retailer_specs', 'Cutout Height', null],
  ['web_retailer_specs', 'Cutout Width', null],
  ['web_retailer_specs', 'Depth Excluding Doors', null],
  ['web_retailer_specs', 'Power Cord Included', null],
  ['web_retailer_specs', 'Oven Window Size', null],
  ['web_retailer_specs', 'Personalized Hardware', null],
  ['web_retailer_specs', 'Language Conversion', null],
  ['web_retailer_specs', 'Bake Element Power', null, 'one element, not the appliance'],
  ['web_retailer_specs', 'Broiler Element Power', null],
  ['web_retailer_specs', 'Convection Element Power', null],
  ['web_retailer_specs', 'Broiler Location', null],
  ['web_retailer_specs', 'Door Broil Position', null],
  ['web_retailer_specs', 'Door Removable', null],
  ['web_retailer_specs', 'Hidden Bake Element', null],
  ['web_retailer_specs', 'Interior Coating', null],
  ['web_retailer_specs', 'Number of Bake Elements', null],
  ['web_retailer_specs', 'Number of Oven Lights', null],
  ['web_retailer_specs', 'Number of Rack Guides', null],
  ['web_retailer_specs', 'Self-cleaning Oven Racks', null, 'the racks, not the oven'],
  ['web_retailer_specs', 'Connectivity', null],
  ['web_retailer_specs', 'Works With', null],
  ['web_retailer_specs', 'Carton Height', null],
  ['web_retailer_specs', 'Carton Width', null],
  ['web_retailer_specs', 'Carton Depth', null],
  ['web_retailer_specs', 'Energy Rating (kwh/year)', null],
  ['web_retailer_specs', 'Hz', null],
  ['web_retailer_specs', 'Airflow Efficiency CFM/W (High)', null],
  ['web_retailer_specs', 'Blade Finish 1', null, 'the blades, not the product finish'],
  ['web_retailer_specs', 'Blade Pitch', null],
  ['web_retailer_specs', 'Max Stem Tilt', null],
  ['web_retailer_specs', 'Downrod 1', null],
  ['web_retailer_specs', 'Title 20 Compliant', null],
  ['web_retailer_specs', 'Fan Primary Control System', null],
  ['ferguson_attributes', 'Theme', 'style', 'Contemporary'],
  ['ferguson_attributes', 'Downrod Size(s)', 'downrod_length'],
  ['ferguson_raw', 'downrod_size(s)', 'downrod_length'],
  ['ferguson_attributes', 'Blade Length', null, 'one blade, not the span'],
  ['ferguson_attributes', 'Canopy Height', null],
  ['ferguson_attributes', 'CFM (Low)', null, 'low speed airflow; cfm is the high figure'],
  ['ferguson_attributes', 'Motor Size', null],
  ['ferguson_attributes', 'Made in America', null],
  ['ferguson_attributes', 'Product Variation', null],
  ['ferguson_raw', 'rpm_(low)', null],
  ['ferguson_raw', 'blade_finish', null],
  ['ferguson_raw', 'cutout_width', null],
  ['ferguson_raw', 'interior_height', null],
  ['ferguson_raw', 'clock', null],
  ['ferguson_raw', 'baking_element', null],
  // Icecat spec tables (spec_table).
  ['spec_table', 'HP GTIN (EAN/UPC)', 'upc'],
  ['spec_table', 'Width (imperial)', 'width'],
  ['spec_table', 'Depth (imperial)', 'depth'],
  ['spec_table', 'AC input voltage', 'voltage'],
  ['spec_table', 'Housing material', 'material'],
  ['spec_table', 'Display diagonal', null],
  ['spec_table', 'Display resolution', null],
  ['spec_table', 'Processor cores', null],
  ['spec_table', 'Operating system installed', null],
  ['spec_table', 'Processor family', null],
  ['spec_table', 'Form factor', null],
  ['spec_table', 'Battery capacity', null],
  ['spec_table', 'Processor frequency', null],
  ['spec_table', 'Bluetooth version', null],
  ['spec_table', 'HDMI ports quantity', null],
  ['spec_table', 'Internal memory', null],
  ['spec_table', 'Panel type', null],
  ['spec_table', 'Internal storage capacity', null],
  ['spec_table', 'Brand compatibility', null, 'brands the part fits, not its brand'],
  ['spec_table', 'Processor manufacturer', null, 'maker of the CPU, not of the product'],
  ['spec_table', 'Quantity per pack', null],
  ['spec_table', 'Compatibility', null],
  ['spec_table', 'Maximum screen size', null],
  ['spec_table', 'Display brightness', null],
  ['spec_table', 'Package weight', null],
  ['spec_table', 'Package width', null],
  ['spec_table', 'Thermal Design Power (TDP)', null],
  ['spec_table', 'Power supply', null, 'PSU rating'],
  ['spec_table', 'Power consumption (standby)', null],
  ['spec_table', 'Speaker power', null],
  ['spec_table', 'Processor ARK ID', null],
  ['spec_table', 'Color Finish Category', null, 'a colour group (Greys)'],
  ['spec_table', 'WLAN controller manufacturer', null],
  ['spec_table', 'Maximum weight capacity', null],
  ['spec_table', 'Tilt angle range', null],
  ['spec_table', 'Screen shape', null],
  ['spec_table', 'Annual energy consumption', null],
  ['spec_table', 'Operating temperature (T-T)', null],
];

/** Shopify product CSV columns (corpus/raw/shopify-product-csvs), as top-level record fields. */
const SHOPIFY_LABELS: readonly Row[] = [
  ['record', 'Vendor', 'brand'],
  ['record', 'Variant Barcode', 'upc'],
  ['record', 'Variant Grams', 'weight', 'grams'],
  ['record', 'Google Shopping / MPN', 'model_number'],
  ['record', 'Variant Compare At Price', 'msrp'],
  ['record', 'Body (HTML)', 'description'],
  ['record', 'Handle', null],
  ['record', 'Tags', null],
  ['record', 'Published', null],
  ['record', 'Variant Inventory Qty', null],
  ['record', 'Variant Inventory Policy', null],
  ['record', 'Variant Requires Shipping', null],
  ['record', 'Image Src', null],
  ['record', 'SEO Description', null],
  ['record', 'Google Shopping / Gender', null],
  ['record', 'Google Shopping / Condition', null],
  ['record', 'Variant Weight Unit', null],
];

interface Entry {
  family: string;
  key: string;
  normalisedKey: string;
  label: string | null;
  note?: string;
  values: string[];
  jobs: number;
  sources: string[];
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        cell += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[index + 1] === '\n') index += 1;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += char;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

function main(): void {
  const rules = compileRuleSet(rulesSchema.parse(buildDefaultRuleSet()), 1);
  const index = JSON.parse(readFileSync('examples/index.json', 'utf8')) as {
    sfCatalogId: string;
    file: string;
  }[];
  const fileById = new Map(index.map((item) => [item.sfCatalogId, item.file]));
  const seen = new Map<string, { values: Map<string, number>; files: Set<string> }>();
  for (const record of loadExampleRecords()) {
    const outcome = verifyRecord(record.payload, rules, {
      receivedAt: '2026-01-01T00:00:00.000Z',
      sessionId: 'x',
    });
    const file = fileById.get(String(record.payload.SF_Catalog_Id)) ?? String(record.payload.SF_Catalog_Name);
    for (const unmapped of outcome.result.Verity_Findings.unmappedKeys) {
      const id = `${unmapped.family}|${unmapped.normalisedKey}`;
      const entry = seen.get(id) ?? { values: new Map(), files: new Set() };
      entry.values.set(unmapped.sample, (entry.values.get(unmapped.sample) ?? 0) + 1);
      entry.files.add(file);
      seen.set(id, entry);
    }
  }
  const out: Entry[] = [];
  for (const [family, key, label, note] of EXAMPLE_LABELS) {
    const found = seen.get(`${family}|${normaliseKey(key)}`);
    if (!found) throw new Error(`labelled key not found unmapped in examples/: ${family} ${key}`);
    const values = [...found.values]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([value]) => value);
    out.push({
      family,
      key,
      normalisedKey: normaliseKey(key),
      label,
      ...(note ? { note } : {}),
      values: values.slice(0, 12),
      jobs: found.files.size,
      sources: [...found.files].sort().slice(0, 3),
    });
  }
  const corpus = process.env.CORPUS_DIR ?? '../shared/corpus';
  const csvPath = join(corpus, 'raw/shopify-product-csvs/home-and-garden.csv');
  const [header, ...rows] = parseCsv(readFileSync(csvPath, 'utf8'));
  for (const [family, key, label, note] of SHOPIFY_LABELS) {
    const column = header!.indexOf(key);
    if (column < 0) throw new Error(`no column ${key} in ${csvPath}`);
    const counts = new Map<string, number>();
    let rowsWithValue = 0;
    for (const row of rows) {
      const value = (row[column] ?? '').trim();
      if (value === '') continue;
      rowsWithValue += 1;
      counts.set(value.slice(0, 200), (counts.get(value.slice(0, 200)) ?? 0) + 1);
    }
    const values = [...counts]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([value]) => value);
    // A column that is always empty never reaches verity as an unmapped key (blank values are skipped).
    if (values.length === 0) {
      console.log(`skipped ${key}: no values in ${csvPath}`);
      continue;
    }
    out.push({
      family,
      key,
      normalisedKey: normaliseKey(key),
      label,
      ...(note ? { note } : {}),
      values: values.slice(0, 12),
      jobs: rowsWithValue,
      sources: ['corpus/raw/shopify-product-csvs/home-and-garden.csv'],
    });
  }
  writeFileSync('bench/data/labelled-keys.json', `${JSON.stringify(out, null, 2)}\n`);
  console.log(`${out.length} keys, ${out.filter((entry) => entry.label !== null).length} with a field`);
}

main();
