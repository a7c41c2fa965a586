import { createLexicalDiagnostician } from '../../src/diagnosticians/builtin/lexical.ts';
import { createValueProfileDiagnostician } from '../../src/diagnosticians/builtin/value-profile.ts';
import type { ContextPack, Diagnosis } from '../../src/diagnosticians/diagnostician.ts';
import { signaturePart } from '../../src/domain/issues/issue.ts';
import { buildDefaultRuleSet } from '../../src/domain/rule-set/default-rule-set.ts';
import { normaliseKey } from '../../src/domain/verification/normalise.ts';
import { type ConsensusResult, decideConsensus } from '../../src/healing/consensus.ts';

/**
 * Context packs for diagnostician tests, built from the default rule set the way Phase 2 builds
 * them, with field values and keys taken from real records in examples/ (peer jobs, unihack,
 * legacy-rename).
 */

const rules = buildDefaultRuleSet();

/** Values the fields carried in verified results of the example records (a real sample). */
const FIELD_VALUES: Record<string, string[]> = {
  brand: ['INSINKERATOR', 'Philips', 'Hunter', 'Kichler', 'GE', 'Café', 'Fanimation'],
  model_number: ['IE101WC', 'C7CDAAS3PD3', 'JKS5000SNSS'],
  upc: ['050375006633', '084691844427'],
  width: ['7.19', '28.5', '60'],
  wattage: ['60', '9.5', '500'],
};

export const fields: ContextPack['fields'] = rules.fields.map((field) => ({
  id: field.id,
  label: field.label,
  type: field.type,
  ...(field.unit ? { unit: field.unit } : {}),
  aliases: field.aliases.map((alias) => alias.key),
  values: FIELD_VALUES[field.id] ?? [],
}));

export const families: ContextPack['families'] = rules.sourceFamilies.map((family) => ({
  id: family.id,
  label: family.label,
  layout: family.layout,
  suffixes: family.layout === 'flat' ? family.suffixes : [],
  prefixes: family.layout === 'flat' ? family.prefixes : [],
  keys:
    family.id === 'manual'
      ? ['Brand_Manual', 'Model_Number_Manual', 'UPC_Manual', 'Width_Manual', 'Height_Manual', 'MSRP_Manual']
      : family.id === 'web_retailer'
        ? ['Brand_Web_Retailer', 'Model_Number_Web_Retailer']
        : [],
}));

export function packFor(
  family: string,
  key: string,
  values: readonly string[],
  relatedKeys: ContextPack['relatedKeys'] = [],
): ContextPack {
  const normalisedKey = normaliseKey(key);
  return {
    issue: {
      type: 'unmapped_key',
      signature: `unmapped_key:${family}:${signaturePart(normalisedKey)}`,
      severity: 'medium',
      summary: `source key "${key}" (${family}) is read by no field`,
      family,
      key,
      normalisedKey,
      value: values[0] ?? '',
      healable: true,
    },
    frequency: 3,
    keyValues: values,
    relatedKeys,
    fields,
    families,
    samples: [],
  };
}

/** An unmapped key of the record beside the issue's, on three jobs. */
export const related = (key: string, values: string[]) => ({
  family: 'record',
  key,
  normalisedKey: normaliseKey(key),
  jobs: 3,
  values,
});

/** examples/legacy-rename: the peer's `_Manual` fields arrive as `_Legacy`. */
export function legacyRenamePack(): ContextPack {
  return packFor(
    'record',
    'Brand_Legacy',
    ['INSINKERATOR'],
    [
      related('Model_Number_Legacy', ['IE101WC']),
      related('UPC_Legacy', ['050375006633']),
      related('Width_Legacy', ['7 3/16']),
      related('Height_Legacy', ['11 1/2']),
      related('MSRP_Legacy', ['141.98']),
    ],
  );
}

/** The built-in pair on one pack as Phase 2 runs it: both diagnose, each reviews the other, consensus at 70. */
export async function pairDecision(
  pack: ContextPack,
  observedKeys: readonly string[],
): Promise<{ a: Diagnosis; b: Diagnosis; decision: ConsensusResult }> {
  const lexical = createLexicalDiagnostician();
  const valueProfile = createValueProfileDiagnostician();
  const [a, b] = await Promise.all([lexical.diagnose(pack), valueProfile.diagnose(pack)]);
  const decision = decideConsensus({
    a,
    b,
    reviewOfA: await valueProfile.review(pack, a),
    reviewOfB: await lexical.review(pack, b),
    minConfidence: 70,
    required: true,
    systemWideEnabled: true,
    observedKeys: new Set(observedKeys),
  });
  return { a, b, decision };
}
