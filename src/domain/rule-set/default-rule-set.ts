import { normaliseKey, snakeCase } from '../verification/normalise.ts';
import { DEFAULT_UNIT_ALIASES } from '../verification/values/units.ts';
import attributes from './data/salesforce-picklists/attributes.json' with { type: 'json' };
import brands from './data/salesforce-picklists/brands.json' with { type: 'json' };
import categories from './data/salesforce-picklists/categories.json' with { type: 'json' };
import categoryFilterAttributes from './data/salesforce-picklists/category-filter-attributes.json' with {
  type: 'json',
};
import styles from './data/salesforce-picklists/styles.json' with { type: 'json' };
import { DEFAULT_EXAMPLES } from './default-examples.ts';
import type { Alias, FieldDefinition, RuleSet } from './rule-set-schema.ts';

/**
 * The rule set verity ships with: the Salesforce picklists (copied unchanged, see
 * data/salesforce-picklists/SOURCE.md) and what the real jobs in the corpus carry — the source
 * families of PEER-CONTRACT.md §3 and the attribute names seen in them. What is not here yet is
 * for the self-healing loop to learn, one reviewed rule-set version at a time.
 */

const alias = (key: string, families?: string[]): Alias =>
  families ? { key: normaliseKey(key), families } : { key: normaliseKey(key) };
/** Spellings that normalise alike (`model #` and `model`) are one alias. */
const aliases = (keys: string[], families?: string[]): Alias[] => [
  ...new Map(keys.map((key) => alias(key, families)).map((entry) => [entry.key, entry])).values(),
];

const FERGUSON = ['ferguson', 'ferguson_raw', 'ferguson_attributes'];
const RETAILER_AND_MANUAL = ['web_retailer', 'manual'];

const PRIMARY_FIELDS: FieldDefinition[] = [
  {
    id: 'brand',
    label: 'Brand',
    type: 'brand',
    variantSpecific: false,
    aliases: aliases(['brand name']),
  },
  {
    id: 'model_number',
    label: 'Model Number',
    type: 'model',
    variantSpecific: false,
    aliases: [
      ...aliases(['model', 'model no', 'model #', 'manufacturer model number']),
      alias('matched model', ['ferguson_raw']),
    ],
  },
  {
    id: 'model_parent',
    label: 'Parent Model Number',
    type: 'model',
    variantSpecific: false,
    aliases: [],
  },
  {
    id: 'upc',
    label: 'UPC',
    type: 'gtin',
    variantSpecific: true,
    aliases: aliases(['gtin', 'ean', 'upc code', 'barcode', 'ean upc', 'upc ean']),
  },
  {
    id: 'msrp',
    label: 'MSRP',
    type: 'money',
    variantSpecific: true,
    aliases: aliases(['list price'], RETAILER_AND_MANUAL),
  },
  {
    id: 'market_value',
    label: 'Market Value',
    type: 'money',
    variantSpecific: true,
    aliases: aliases(['price'], ['ferguson', 'ferguson_raw']),
  },
  {
    id: 'market_value_min',
    label: 'Market Value Min',
    type: 'money',
    variantSpecific: true,
    aliases: aliases(['min price', 'price min'], ['ferguson', 'ferguson_raw']),
  },
  {
    id: 'market_value_max',
    label: 'Market Value Max',
    type: 'money',
    variantSpecific: true,
    aliases: aliases(['max price', 'price max'], ['ferguson', 'ferguson_raw']),
  },
  {
    id: 'title',
    label: 'Product Title',
    type: 'text',
    variantSpecific: false,
    aliases: [alias('title', ['ferguson']), alias('name', ['ferguson_raw'])],
  },
  {
    id: 'description',
    label: 'Product Description',
    type: 'long_text',
    variantSpecific: false,
    aliases: aliases(['description'], FERGUSON),
  },
  { id: 'features', label: 'Features', type: 'html_list', variantSpecific: false, aliases: [] },
  {
    id: 'color',
    label: 'Color',
    type: 'color',
    variantSpecific: true,
    aliases: [
      ...aliases(['color finish', 'colour', 'color finish name', 'product colour', 'colour name']),
      // Ferguson's colour is a hex swatch, never a colour name: it is ignored, not aliased.
    ],
  },
  {
    id: 'finish',
    label: 'Finish',
    type: 'finish',
    variantSpecific: true,
    aliases: aliases(['finish name']),
  },
  {
    id: 'category',
    label: 'Category',
    type: 'category',
    variantSpecific: false,
    aliases: [
      ...aliases(['business category'], ['ferguson', 'ferguson_raw']),
      alias('category', ['manual', 'web_retailer']),
    ],
  },
  {
    id: 'subcategory',
    label: 'SubCategory',
    type: 'category',
    variantSpecific: false,
    aliases: aliases(['sub category'], ['web_retailer']),
  },
  {
    id: 'style',
    label: 'Style',
    type: 'style',
    variantSpecific: false,
    aliases: aliases(['theme'], ['ferguson_raw']),
  },
  {
    id: 'width',
    label: 'Width',
    type: 'length',
    unit: 'in',
    tolerance: 0.02,
    variantSpecific: false,
    aliases: aliases(['product width', 'overall width']),
  },
  {
    id: 'height',
    label: 'Height',
    type: 'length',
    unit: 'in',
    tolerance: 0.02,
    variantSpecific: false,
    aliases: aliases(['product height', 'overall height']),
  },
  {
    id: 'depth',
    label: 'Depth',
    type: 'length',
    unit: 'in',
    tolerance: 0.02,
    variantSpecific: false,
    aliases: aliases(['product depth', 'overall depth']),
  },
  {
    id: 'weight',
    label: 'Weight',
    type: 'mass',
    unit: 'lb',
    tolerance: 0.02,
    variantSpecific: false,
    aliases: aliases(['net weight', 'product weight', 'item weight']),
  },
  { id: 'capacity', label: 'Capacity', type: 'quantity', variantSpecific: false, aliases: [] },
];

/** Units of the filter attributes whose names say what they measure. */
function filterFieldShape(name: string, type: string): Pick<FieldDefinition, 'type' | 'unit' | 'tolerance'> {
  if (type === 'boolean') return { type: 'boolean' };
  if (type === 'enum') return { type: 'enum' };
  if (type === 'string') return { type: 'text' };
  const key = normaliseKey(name);
  if (
    /\b(span|width|height|depth|length|diameter|projection|size)\b/.test(key) &&
    !/capacity|cups|gallons/.test(key)
  ) {
    return { type: 'length', unit: 'in', tolerance: 0.02 };
  }
  const units: [RegExp, FieldDefinition['unit']][] = [
    [/\bwattage\b/, 'W'],
    [/\bvoltage\b/, 'V'],
    [/\bamperage\b/, 'A'],
    [/\bhorsepower\b/, 'hp'],
    [/\bcolor temperature\b/, 'K'],
    [/\blumens\b/, 'lm'],
    [/\bcfm\b/, 'cfm'],
    [/\brpm\b/, 'rpm'],
    [/\bnoise level\b/, 'dB'],
  ];
  for (const [pattern, unit] of units)
    if (pattern.test(key)) return { type: 'quantity', unit, tolerance: 0.02 };
  return { type: 'quantity', tolerance: 0.02 };
}

/** Real attribute names from the corpus jobs, by the filter attribute they mean. */
const FILTER_ALIASES: Record<string, Alias[]> = {
  blade_span: aliases(['blade sweep']),
  number_of_blades: aliases(['blades', 'blade count']),
  fan_speeds: aliases(['speeds', 'number of speeds']),
  cfm: aliases(['airflow cfm high']),
  includes_remote: aliases(['controller included', 'remote included']),
  downrod_included: aliases(['downrod s included', 'downrods included']),
  motor_type: aliases(['motor']),
  wattage: aliases(['watts high', 'watts']),
  voltage: aliases(['volts', 'input voltage']),
  amperage: aliases(['amps high', 'amp', 'amps']),
  rpm: aliases(['rpm high']),
  horsepower: aliases(['hp']),
  feed_type: aliases(['product type'], ['spec_table']),
  manufacturer_warranty: aliases(['warranty length']),
  number_of_racks: aliases(['number of oven racks']),
  self_cleaning: aliases(['oven cleaning type']),
  meat_thermometer: aliases(['temperature probe']),
  number_of_lights: aliases(['number of bulbs', 'number of light sources', 'light count']),
  color_temperature: aliases(['cct', 'color temperature k']),
  lumens: aliases(['luminous flux', 'brightness lm']),
  dimmable: aliases(['dimmer compatible']),
  bulb_included: aliases(['lamp included', 'bulbs included']),
  location_rating: aliases(['location', 'damp wet rating']),
};

function filterFields(): { fields: FieldDefinition[]; filters: RuleSet['categoryFilters'] } {
  const fields = new Map<string, FieldDefinition>();
  const filters: RuleSet['categoryFilters'] = [];
  for (const [name, category] of Object.entries(categoryFilterAttributes.categories)) {
    filters.push({
      name,
      categoryId: category.category_id,
      department: category.department,
      attributes: category.attributes.map((attribute) => ({
        rank: attribute.rank,
        name: attribute.name,
        field: snakeCase(attribute.name),
        sfId: attribute.sf_id,
        type: attribute.type as 'boolean' | 'enum' | 'number' | 'string',
      })),
    });
    for (const attribute of category.attributes) {
      const id = snakeCase(attribute.name);
      if (fields.has(id) || PRIMARY_FIELDS.some((field) => field.id === id)) continue;
      fields.set(id, {
        id,
        label: attribute.name,
        ...filterFieldShape(attribute.name, attribute.type),
        variantSpecific: false,
        aliases: FILTER_ALIASES[id] ?? [],
      });
    }
  }
  return { fields: [...fields.values()], filters };
}

/** Keys known to carry nothing to verify: scraper bookkeeping, navigation, reviews. */
const IGNORED_KEYS: RuleSet['ignoredKeys'] = [
  ...[
    'id',
    'family id',
    'url',
    'thumbnail',
    'currency',
    'price type',
    'unit price',
    'rating',
    'review count',
    'total reviews',
    'total ratings',
    'questions count',
    'shipping info',
    'is quick ship',
    'has replacement parts',
    'has accessories',
    'has recommended options',
    'is by appointment only',
    'is appointment only brand',
    'replacement parts url',
    'warranty',
    'is discontinued',
    'application',
    'base category',
    'base type',
    'product type',
    'credits used',
    'variant url',
    'match type',
    'success',
    'product found',
    'stock status',
    'in stock',
    'all variants in stock',
    'all variants restricted',
    'brand url',
    'configuration type',
    'has free installation',
    'has in stock variants',
    'has variant groups',
    'in stock variant count',
    'is configurable',
    'is square footage based',
    'shipping fee',
    'total inventory quantity',
    'variant count',
    'country of origin',
  ].map((key) => ({ key, families: ['ferguson_raw'], reason: 'Ferguson scraper bookkeeping or navigation' })),
  ...[
    'categories',
    'related categories',
    'recommanded options',
    'recommended options',
    'base category',
    'base type',
    'product type',
  ].map((key) => ({ key, families: ['ferguson'], reason: 'Ferguson navigation, not a product attribute' })),
  { key: 'color', families: ['ferguson', 'ferguson_raw'], reason: 'a hex swatch, never a colour name' },
  { key: 'key', families: ['web_retailer'], reason: 'the retailer catalogue key, not an attribute' },
  { key: 'sku', reason: 'a retailer stock-keeping unit, not the model' },
  { key: 'prop65', reason: 'a regulatory notice, not a product attribute' },
];

const FINISH_TERMS = [
  'brushed',
  'matte',
  'matt',
  'polished',
  'satin',
  'fingerprint resistant',
  'smudge proof',
  'gloss',
  'glossy',
  'high gloss',
  'semi gloss',
  'textured',
  'hammered',
  'antique',
  'antiqued',
  'oil rubbed',
  'distressed',
  'powder coated',
  'lacquered',
  'honed',
  'burnished',
  'weathered',
  'aged',
  'vintage',
  'frosted',
  'etched',
  'printshield',
  'spot resist',
];

const CATEGORY_MAPPINGS: RuleSet['categoryMappings'] = [
  { from: 'garbage disposals', to: 'Garbage Disposals #' },
  { from: 'disposals and dispensers', to: 'Garbage Disposals #' },
  { from: 'single wall electric oven', to: 'Oven' },
  { from: 'wall ovens', to: 'Oven' },
  { from: 'wall oven', to: 'Oven' },
  { from: 'ceiling fans', to: 'Ceiling Fans #' },
  { from: 'chandelier', to: 'Chandeliers #' },
  { from: 'pendant', to: 'Pendants #' },
  { from: 'pendant lights', to: 'Pendants #' },
  { from: 'wall sconce', to: 'Wall Sconces #' },
  { from: 'bath vanity lighting', to: 'Vanity Lighting #' },
];

/** Every ceiling-fan category of the picklist ("Ceiling Fans #", "Lighted Ceiling Fans #", "Hugger Fans #"...). */
const CEILING_FAN_CATEGORY_IDS = categories
  .filter((category) => /\b(ceiling|hugger) fans\b/i.test(category.category_name))
  .map((category) => category.category_id);

export function buildDefaultRuleSet(): RuleSet {
  const { fields, filters } = filterFields();
  return {
    schemaVersion: 1,
    name: 'verity default rule set',
    sourceFamilies: [
      {
        id: 'manual',
        label: 'Salesforce manual entry',
        priority: 90,
        describesProduct: true,
        layout: 'flat',
        suffixes: ['_Manual'],
        prefixes: [],
      },
      {
        id: 'web_retailer',
        label: 'Salesforce web retailer fields',
        priority: 70,
        describesProduct: true,
        layout: 'flat',
        suffixes: ['_Web_Retailer'],
        prefixes: ['Web_Retailer_'],
      },
      {
        id: 'ferguson',
        label: 'Ferguson listing',
        priority: 60,
        describesProduct: true,
        layout: 'flat',
        suffixes: [],
        prefixes: ['Ferguson_'],
      },
      {
        id: 'ferguson_raw',
        label: 'Ferguson scraped data',
        priority: 55,
        describesProduct: true,
        layout: 'ferguson_raw',
        field: 'Ferguson_Raw_Data',
      },
      {
        id: 'spec_table',
        label: 'Specification table',
        priority: 65,
        describesProduct: true,
        layout: 'spec_html',
        field: 'Specification_Table',
      },
      {
        id: 'web_retailer_specs',
        label: 'Web retailer specs',
        priority: 68,
        describesProduct: true,
        layout: 'name_value_list',
        field: 'Web_Retailer_Specs',
      },
      {
        id: 'ferguson_attributes',
        label: 'Ferguson attributes',
        priority: 58,
        describesProduct: true,
        layout: 'name_value_list',
        field: 'Ferguson_Attributes',
      },
      {
        id: 'record',
        label: 'Other record fields',
        priority: 50,
        describesProduct: true,
        layout: 'flat',
        suffixes: [],
        prefixes: [],
      },
    ],
    fields: [...PRIMARY_FIELDS, ...fields],
    ignoredKeys: IGNORED_KEYS,
    unitAliases: { ...DEFAULT_UNIT_ALIASES },
    valueMappings: [
      { field: 'finish', from: 'orb', to: 'Oil Rubbed Bronze' },
      { field: 'color', from: 'grey', to: 'Gray' },
      { field: 'color', from: 'ss', to: 'Stainless Steel' },
    ],
    finishTerms: FINISH_TERMS,
    categoryMappings: CATEGORY_MAPPINGS,
    picklistAliases: [],
    fieldExclusions: CEILING_FAN_CATEGORY_IDS.map((categoryId) => ({
      categoryId,
      field: 'width',
      // Every Ferguson family: `Ferguson_Attributes` "Width" is the same blade span as `Ferguson_Width`.
      families: FERGUSON,
      reason: "Ferguson's width of a ceiling fan is its blade span",
    })),
    picklists: {
      brands: brands.map((brand) => ({ id: brand.brand_id, name: brand.brand_name })),
      categories: categories.map((category) => ({
        id: category.category_id,
        name: category.category_name,
        department: category.department,
        family: category.family,
      })),
      styles: styles.map((style) => ({ id: style.style_id, name: style.style_name })),
      attributes: attributes.map((attribute) => ({
        id: attribute.attribute_id,
        name: attribute.attribute_name,
      })),
    },
    categoryFilters: filters,
    examples: DEFAULT_EXAMPLES,
  };
}
