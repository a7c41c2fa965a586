import { z } from 'zod';
import { canonicalUnitSchema, fieldSchema, picklistNames } from './rule-set-schema.ts';

/**
 * A fix is a list of typed operations on the rule set (DESIGN.md §2), never a change to code.
 * This is the allowlist: a diagnostician — built-in or an LLM — can only ever propose these,
 * each validated against its schema. Text from a product record can be data inside an op (a key
 * spelling, an alias) and nothing else.
 */

const identifier = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/)
  .max(80);
/** A key or value as a source spells it; apply normalises it. */
const spelling = z.string().trim().min(1).max(200);
const families = z.array(identifier).min(1).max(20).optional();
const reason = z.string().trim().min(1).max(500);

export const fixOpSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('add_alias'), field: identifier, key: spelling, families }).strict(),
  z
    .object({
      op: z.literal('add_family_affix'),
      family: identifier,
      suffix: z.string().min(2).max(60).optional(),
      prefix: z.string().min(2).max(60).optional(),
    })
    .strict()
    .refine(
      (op) => (op.suffix === undefined) !== (op.prefix === undefined),
      'exactly one of suffix or prefix',
    ),
  z
    .object({
      op: z.literal('add_picklist_alias'),
      picklist: z.enum(picklistNames),
      alias: spelling,
      to: spelling,
    })
    .strict(),
  z.object({ op: z.literal('add_category_mapping'), from: spelling, to: spelling, families }).strict(),
  z.object({ op: z.literal('add_value_mapping'), field: identifier, from: spelling, to: spelling }).strict(),
  z.object({ op: z.literal('add_enum_value'), field: identifier, value: spelling }).strict(),
  z
    .object({
      op: z.literal('add_unit_alias'),
      spelling: z.string().trim().min(1).max(40),
      unit: canonicalUnitSchema,
    })
    .strict(),
  z.object({ op: z.literal('add_ignored_key'), key: spelling, families, reason }).strict(),
  z.object({ op: z.literal('add_field'), field: fieldSchema }).strict(),
  z
    .object({
      op: z.literal('set_constraint'),
      field: identifier,
      min: z.number().optional(),
      max: z.number().optional(),
    })
    .strict(),
  z
    .object({
      op: z.literal('add_field_exclusion'),
      categoryId: z.string().min(1).max(40),
      field: identifier,
      families: z.array(identifier).min(1).max(20),
      reason,
    })
    .strict(),
  z.object({ op: z.literal('remove_alias'), field: identifier, key: spelling }).strict(),
  z.object({ op: z.literal('remove_field'), field: identifier }).strict(),
  /** A described patch for a person: never applied automatically. */
  z.object({ op: z.literal('code_change'), description: z.string().trim().min(1).max(4000) }).strict(),
]);

export type FixOp = z.infer<typeof fixOpSchema>;
export type FixOpKind = FixOp['op'];
export type Risk = 'low' | 'medium' | 'high';

/** Risk of each operation (DESIGN.md §2): additions are low, new structure medium, removals high. */
export const FIX_OP_RISK: Readonly<Record<FixOpKind, Risk>> = {
  add_alias: 'low',
  add_family_affix: 'low',
  add_picklist_alias: 'low',
  add_category_mapping: 'low',
  add_value_mapping: 'low',
  add_enum_value: 'low',
  add_unit_alias: 'low',
  add_ignored_key: 'low',
  add_field: 'medium',
  set_constraint: 'medium',
  add_field_exclusion: 'medium',
  remove_alias: 'high',
  remove_field: 'high',
  code_change: 'high',
};

const RISK_ORDER: Record<Risk, number> = { low: 0, medium: 1, high: 2 };

export function riskOf(ops: readonly FixOp[]): Risk {
  return ops.reduce<Risk>(
    (worst, op) => (RISK_ORDER[FIX_OP_RISK[op.op]] > RISK_ORDER[worst] ? FIX_OP_RISK[op.op] : worst),
    'low',
  );
}

export const fixOpsSchema = z.array(fixOpSchema).max(50);
