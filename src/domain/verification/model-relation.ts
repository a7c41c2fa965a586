/**
 * How a source's model number relates to `SF_Catalog_Name`, the authoritative model
 * (PEER-CONTRACT §3.1). A sibling variant (another finish or size suffix) describes another
 * product and may not supply variant-specific values; a different model altogether makes the
 * job a data conflict.
 */
export type ModelRelation = 'same' | 'parent' | 'sibling' | 'different';

export const compactModel = (model: string): string => model.toUpperCase().replace(/[^A-Z0-9]/g, '');

export function modelRelation(catalogModel: string, sourceModel: string): ModelRelation {
  const catalog = compactModel(catalogModel);
  const source = compactModel(sourceModel);
  if (catalog === '' || source === '' || catalog === source) return 'same';
  if (catalog.startsWith(source) || source.startsWith(catalog)) return 'parent';
  let common = 0;
  while (common < catalog.length && common < source.length && catalog[common] === source[common]) common += 1;
  const shorter = Math.min(catalog.length, source.length);
  return common >= 4 && common >= 0.6 * shorter ? 'sibling' : 'different';
}

const RANK: Record<ModelRelation, number> = { same: 0, parent: 1, sibling: 2, different: 3 };

/** The closest relation among several model numbers one source states. */
export function closestRelation(relations: readonly ModelRelation[]): ModelRelation {
  return relations.reduce<ModelRelation>(
    (best, relation) => (RANK[relation] < RANK[best] ? relation : best),
    'different',
  );
}
