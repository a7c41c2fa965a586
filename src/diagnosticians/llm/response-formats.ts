import { type ZodType, z } from 'zod';
import { diagnosisSchema, finalApprovalSchema, outcomeReviewSchema, reviewSchema } from '../diagnostician.ts';

/**
 * The JSON Schema response formats of the LLM calls, generated from the very zod schemas the
 * built-ins' answers satisfy, so that an LLM and a built-in answer the same question in the same
 * shape.
 *
 * OpenAI's strict mode (https://platform.openai.com/docs/guides/structured-outputs) accepts a
 * subset of JSON Schema: every property required, `additionalProperties: false`, `anyOf` but not
 * `oneOf`, no `minLength`/`maxLength`. So the generated schema is rewritten: an optional property
 * becomes required-but-nullable, `oneOf` becomes `anyOf`, unsupported keywords go. What the
 * rewrite loses (lengths, "exactly one of suffix or prefix") is checked again on receipt: every
 * answer is parsed with the original zod schema after its nulls are dropped (`fromWire`), and an
 * answer that does not parse is no answer.
 */

export type Step = 'diagnose' | 'review' | 'review_outcome' | 'improve' | 'final_approval';

export const STEP_SCHEMAS = {
  diagnose: diagnosisSchema,
  review: reviewSchema,
  review_outcome: outcomeReviewSchema,
  improve: diagnosisSchema,
  final_approval: finalApprovalSchema,
} as const satisfies Record<Step, ZodType>;

type JsonSchema = { [keyword: string]: unknown };

/** Keywords strict mode accepts (everything else is dropped and left to the zod check on receipt). */
const KEPT = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'anyOf',
  'enum',
  'const',
  'pattern',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'description',
]);

function nullable(schema: JsonSchema): JsonSchema {
  if (typeof schema.type === 'string' && schema.enum === undefined && schema.const === undefined) {
    return { ...schema, type: [schema.type, 'null'] };
  }
  return { anyOf: [schema, { type: 'null' }] };
}

/** Rewrite a generated JSON Schema into strict mode's subset (see above). */
export function toStrictSchema(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword === 'oneOf') out.anyOf = (value as JsonSchema[]).map(toStrictSchema);
    else if (keyword === 'anyOf') out.anyOf = (value as JsonSchema[]).map(toStrictSchema);
    else if (keyword === 'items') out.items = toStrictSchema(value as JsonSchema);
    else if (keyword === 'properties') {
      const required = new Set((schema.required as string[] | undefined) ?? []);
      const properties: Record<string, JsonSchema> = {};
      for (const [name, property] of Object.entries(value as Record<string, JsonSchema>)) {
        const strict = toStrictSchema(property);
        properties[name] = required.has(name) ? strict : nullable(strict);
      }
      out.properties = properties;
      out.required = Object.keys(properties);
      out.additionalProperties = false;
    } else if (keyword === 'required' || keyword === 'additionalProperties') {
      // Set with `properties`.
    } else if (KEPT.has(keyword)) out[keyword] = value;
  }
  if (out.type === 'object' && out.properties === undefined) {
    out.properties = {};
    out.required = [];
    out.additionalProperties = false;
  }
  return out;
}

export interface ResponseFormat {
  readonly type: 'json_schema';
  readonly json_schema: { name: string; strict: true; schema: JsonSchema };
}

/** The response format of one step. */
export function responseFormat(step: Step): ResponseFormat {
  const generated = z.toJSONSchema(STEP_SCHEMAS[step], { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return {
    type: 'json_schema',
    json_schema: { name: step, strict: true, schema: toStrictSchema(generated) },
  };
}

/** An answer in strict mode's shape back in the zod schemas' shape: a null property is an absent one. */
export function fromWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromWire);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [name, child] of Object.entries(value)) {
    if (child !== null) out[name] = fromWire(child);
  }
  return out;
}
