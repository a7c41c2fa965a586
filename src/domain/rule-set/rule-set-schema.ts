import { z } from 'zod';

/**
 * The rule set: everything verity knows about its sources, as one versioned, schema-checked
 * document (DESIGN.md §2). The verification engine is code that never changes at run time; a
 * fix is a list of operations on this document, never an edit to code.
 *
 * Keys are stored in their normalised form (see `normaliseKey`): `MFG Brand Name`,
 * `mfg_brand_name` and `MFG_Brand_Name__c` are the one key `mfg brand name`.
 */

const identifier = z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower snake_case identifier');
const normalisedKey = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[a-z0-9]+( [a-z0-9]+)*$/, 'normalised key: lower-case words separated by single spaces');
const text = z.string().min(1).max(500);

export const canonicalUnits = [
  'in',
  'ft',
  'cm',
  'mm',
  'm',
  'lb',
  'oz',
  'kg',
  'g',
  'W',
  'kW',
  'V',
  'A',
  'K',
  'lm',
  'deg',
  'rpm',
  'cfm',
  'hp',
  'cu_ft',
  'l',
  'gal',
  'gpm',
  'dB',
  'kWh',
] as const;
export const canonicalUnitSchema = z.enum(canonicalUnits);

const familyBase = {
  id: identifier,
  label: text,
  /** Higher wins when sources disagree and nothing else decides. */
  priority: z.number().int().min(0).max(100),
  /** Free-text fields (titles, descriptions) from this family are trusted for text output. */
  describesProduct: z.boolean().default(true),
};

export const sourceFamilySchema = z.discriminatedUnion('layout', [
  z.object({
    ...familyBase,
    /** Top-level fields recognised by a suffix (`Brand_Web_Retailer`) or prefix (`Ferguson_Brand`). */
    layout: z.literal('flat'),
    suffixes: z.array(z.string().min(2).max(60)).max(50),
    prefixes: z.array(z.string().min(2).max(60)).max(50),
  }),
  z.object({ ...familyBase, layout: z.literal('spec_html'), field: z.string().min(1).max(100) }),
  z.object({ ...familyBase, layout: z.literal('name_value_list'), field: z.string().min(1).max(100) }),
  z.object({ ...familyBase, layout: z.literal('ferguson_raw'), field: z.string().min(1).max(100) }),
]);
export type SourceFamily = z.infer<typeof sourceFamilySchema>;

export const fieldTypes = [
  'text',
  'long_text',
  'html_list',
  'brand',
  'category',
  'style',
  'model',
  'gtin',
  'money',
  'length',
  'mass',
  'quantity',
  'integer',
  'boolean',
  'enum',
  'color',
  'finish',
] as const;
export type FieldType = (typeof fieldTypes)[number];

export const aliasSchema = z.object({
  key: normalisedKey,
  /** Only in these families; absent means any family. */
  families: z.array(identifier).min(1).max(20).optional(),
});
export type Alias = z.infer<typeof aliasSchema>;

export const fieldSchema = z.object({
  id: identifier,
  label: text,
  type: z.enum(fieldTypes),
  /** Canonical unit of a length, mass or quantity field. */
  unit: canonicalUnitSchema.optional(),
  /** Relative tolerance under which two numeric sources agree. */
  tolerance: z.number().min(0).max(1).optional(),
  /** A sibling variant (another finish, another size) may not supply this field. */
  variantSpecific: z.boolean().default(false),
  aliases: z.array(aliasSchema).max(500),
  /** Allowed values of an enum field (output spelling). */
  enumValues: z.array(text).max(500).optional(),
  constraints: z.object({ min: z.number().optional(), max: z.number().optional() }).strict().optional(),
});
export type FieldDefinition = z.infer<typeof fieldSchema>;

export const picklistNames = ['brand', 'category', 'style', 'attribute'] as const;
export type PicklistName = (typeof picklistNames)[number];

export const rulesSchema = z.object({
  schemaVersion: z.literal(1),
  name: text,
  sourceFamilies: z.array(sourceFamilySchema).min(1).max(50),
  fields: z.array(fieldSchema).min(1).max(3000),
  /** Keys that are known and carry nothing to verify (URLs handled elsewhere, scraper metadata). */
  ignoredKeys: z.array(
    z.object({ key: normalisedKey, families: z.array(identifier).optional(), reason: text }),
  ),
  /** Spelling → canonical unit. */
  unitAliases: z.record(z.string().min(1).max(40), canonicalUnitSchema),
  /** Source value → output value of one field (`ORB` → `Oil Rubbed Bronze`). Matching is on the normalised value. */
  valueMappings: z.array(z.object({ field: identifier, from: normalisedKey, to: text })),
  /** Words that make a value a surface treatment (finish), not a colour. */
  finishTerms: z.array(normalisedKey).max(500),
  /** Source category text → category picklist name. */
  categoryMappings: z.array(
    z.object({ from: normalisedKey, families: z.array(identifier).optional(), to: text }),
  ),
  /** Another spelling of a picklist entry (`In-Sink-Erator` → `INSINKERATOR`). */
  picklistAliases: z.array(z.object({ picklist: z.enum(picklistNames), alias: normalisedKey, to: text })),
  /** A family that must not supply a field in a category (a fan's blade span is not its width). */
  fieldExclusions: z.array(
    z.object({
      categoryId: z.string().min(1),
      field: identifier,
      families: z.array(identifier).min(1),
      reason: text,
    }),
  ),
  picklists: z.object({
    brands: z.array(z.object({ id: z.string().min(1), name: text })),
    categories: z.array(
      z.object({ id: z.string().min(1), name: text, department: z.string(), family: z.string() }),
    ),
    styles: z.array(z.object({ id: z.string().min(1), name: text })),
    attributes: z.array(z.object({ id: z.string().min(1), name: text })),
  }),
  /** The Top-15 filter attributes of each category (category-filter-attributes.json). */
  categoryFilters: z.array(
    z.object({
      name: text,
      categoryId: z.string().min(1),
      department: z.string(),
      attributes: z.array(
        z.object({
          rank: z.number().int().min(1).max(50),
          name: text,
          field: identifier,
          sfId: z.string().nullable(),
          type: z.enum(['boolean', 'enum', 'number', 'string']),
        }),
      ),
    }),
  ),
  /** Example cases the regression gate re-verifies with every staged version. */
  examples: z.array(
    z.object({
      name: text,
      payload: z.record(z.string(), z.unknown()),
      /** Result path (`Primary_Attributes.Brand_Verified`) → expected value. */
      expect: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    }),
  ),
});

export type RuleSet = z.infer<typeof rulesSchema>;
