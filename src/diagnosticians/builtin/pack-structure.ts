import type { FixOp } from '../../domain/rule-set/fix-ops.ts';
import { compactValue, normaliseKey } from '../../domain/verification/normalise.ts';
import { isBlankLike } from '../../domain/verification/values/text.ts';
import type { ContextPack } from '../diagnostician.ts';

/**
 * What both built-in diagnosticians read from a context pack the same way, because it is structure,
 * not evidence: which key an issue is about and which values it carries, the placeholder values that
 * say "no data" (`-- No Unilog Brand --`), family affixes the rule set does not know yet (the pack's
 * own families and related keys show them), which result paths belong to which field, and how ops
 * are built and compared. The evidence each diagnostician weighs — words for `lexical`, values for
 * `value-profile` — lives in its own file.
 */

export type PackField = ContextPack['fields'][number];
export type PackFamily = ContextPack['families'][number];

/** One key the diagnosis is about: the issue's own, or a related one. */
export interface KeySubject {
  readonly family: string;
  /** As the source spells it. */
  readonly key: string;
  readonly normalisedKey: string;
  /** Values it carries across stored jobs, most frequent first. */
  readonly values: readonly string[];
}

/**
 * `-- No Unilog Brand --`, `-- Unbranded --`, `-- No DIB Brand --`, `-`, `N/A`: a value that says the
 * source has no value. Placeholders are not evidence of anything but the absence of data.
 */
export function isPlaceholder(value: string): boolean {
  const text = value.trim();
  if (isBlankLike(text)) return true;
  if (/^not found$|^none identified$/i.test(text)) return true;
  // A phrase fenced by dashes or brackets: the convention of item masters for "nothing here".
  return (
    /^(?:-{1,3}|\[|<)\s*(?:no|none|un|not|n\/a)\b[\s\S]*?(?:-{1,3}|\]|>)$/i.test(text) ||
    /^-{1,3}\s*un\w+\s*-{1,3}$/i.test(text)
  );
}

/** The values worth reading: placeholders and blanks removed, order kept. */
export function informativeValues(values: readonly string[]): string[] {
  return values.filter((value) => !isPlaceholder(value));
}

export function issueSubject(pack: ContextPack): KeySubject | null {
  const { issue } = pack;
  if (issue.key === undefined || issue.family === undefined) return null;
  return {
    family: issue.family,
    key: issue.key,
    normalisedKey: issue.normalisedKey ?? normaliseKey(issue.key),
    values: pack.keyValues,
  };
}

/** A related key of the pack as a subject. */
export function relatedSubject(related: ContextPack['relatedKeys'][number]): KeySubject {
  return {
    family: related.family,
    key: related.key,
    normalisedKey: related.normalisedKey,
    values: related.values,
  };
}

/** Does the pack know this key (the issue's or a related one) in this family? */
export function findSubject(pack: ContextPack, family: string | undefined, key: string): KeySubject | null {
  const normalised = normaliseKey(key);
  const own = issueSubject(pack);
  if (own && own.normalisedKey === normalised && (family === undefined || family === own.family)) return own;
  const related = pack.relatedKeys.find(
    (candidate) =>
      candidate.normalisedKey === normalised && (family === undefined || candidate.family === family),
  );
  return related ? relatedSubject(related) : null;
}

/** The flat family without affixes: where keys with an affix the rule set does not know land. */
export function isCatchAllFamily(pack: ContextPack, familyId: string): boolean {
  const family = pack.families.find((candidate) => candidate.id === familyId);
  return (
    family !== undefined &&
    family.layout === 'flat' &&
    family.suffixes.length === 0 &&
    family.prefixes.length === 0
  );
}

/** A family affix the rule set does not know, seen on several keys whose bases a family already carries. */
/**
 * The key as a dotted path when its first or last `_` part is a tag several other unmapped keys
 * of the same family carry in the same place (`UPC_Legacy`, `Brand_Legacy`, `Weight_Legacy`...:
 * `Legacy.UPC`). Such a part names the source, like the section of a dotted path, not the
 * attribute; read as a namespace it weighs like one. Other keys are returned as they are.
 */
/** Does the key carry the affix (`_Legacy` at its end, `DIB_` at its start, any case) and more beside it? */
function carriesAffix(key: string, kind: 'suffix' | 'prefix', affix: string): boolean {
  const lower = key.toLowerCase();
  const lowerAffix = affix.toLowerCase();
  const has = kind === 'suffix' ? lower.endsWith(lowerAffix) : lower.startsWith(lowerAffix);
  return has && key.length > affix.length;
}

export function keyWithTagAsNamespace(pack: ContextPack, subject: KeySubject): string {
  const parts = subject.key.split('_').filter((part) => part !== '');
  if (parts.length < 2 || subject.key.includes('.')) return subject.key;
  const peers = pack.relatedKeys.filter((related) => related.family === subject.family);
  const sharedBy = (kind: 'suffix' | 'prefix', affix: string) =>
    peers.filter((peer) => carriesAffix(peer.key, kind, affix)).length;
  const last = parts[parts.length - 1]!;
  const first = parts[0]!;
  if (/^[A-Za-z]{2,}$/.test(last) && sharedBy('suffix', `_${last}`) >= 2)
    return `${last}.${parts.slice(0, -1).join('_')}`;
  if (/^[A-Za-z0-9]{2,}$/.test(first) && sharedBy('prefix', `${first}_`) >= 2)
    return `${first}.${parts.slice(1).join('_')}`;
  return subject.key;
}

export interface AffixCandidate {
  readonly kind: 'suffix' | 'prefix';
  /** As the keys spell it: `_Legacy`. */
  readonly affix: string;
  /** The family whose keys carry the same bases with its own affix (`Brand_Manual` ↔ `Brand_Legacy`). */
  readonly family: string;
  /** Keys of the catch-all family with this affix (the issue's own first). */
  readonly siblings: readonly (KeySubject & { base: string })[];
  /** Bases the family already carries. */
  readonly knownBases: readonly string[];
}

function affixedKeys(family: PackFamily): Set<string> {
  return new Set(family.keys.map((key) => normaliseKey(key)));
}

/**
 * Affixes of the issue's key that look like an unknown source family: the key is in the catch-all
 * family, several keys there share the affix (`Brand_Legacy`, `Model_Number_Legacy`...), and at
 * least two of their bases are carried by one known flat family with its own affix (`Brand_Manual`,
 * `Model_Number_Manual`). That is structure both diagnosticians read alike; each then weighs it
 * with its own evidence before proposing `add_family_affix`.
 */
export function unknownAffixCandidates(pack: ContextPack): AffixCandidate[] {
  const subject = issueSubject(pack);
  if (!subject || !isCatchAllFamily(pack, subject.family)) return [];
  const parts = subject.key.split('_').filter((part) => part !== '');
  if (parts.length < 2) return [];
  const peers = [
    subject,
    ...pack.relatedKeys.filter((related) => related.family === subject.family).map(relatedSubject),
  ];
  const found: AffixCandidate[] = [];
  const tryAffix = (kind: 'suffix' | 'prefix', part: string) => {
    if (!/^[A-Za-z]{2,}$/.test(part)) return;
    const affix = kind === 'suffix' ? `_${part}` : `${part}_`;
    const siblings: (KeySubject & { base: string })[] = [];
    for (const peer of peers) {
      if (!carriesAffix(peer.key, kind, affix)) continue;
      const base = kind === 'suffix' ? peer.key.slice(0, -affix.length) : peer.key.slice(affix.length);
      if (!siblings.some((sibling) => sibling.normalisedKey === peer.normalisedKey))
        siblings.push({ ...peer, base });
    }
    if (siblings.length < 2) return;
    let best: { family: string; known: string[] } | null = null;
    for (const family of pack.families) {
      if (family.layout !== 'flat' || (family.suffixes.length === 0 && family.prefixes.length === 0))
        continue;
      const keys = affixedKeys(family);
      const known = siblings
        .map((sibling) => sibling.base)
        .filter((base) =>
          [
            ...family.suffixes.map((suffix) => normaliseKey(`${base}${suffix}`)),
            ...family.prefixes.map((prefix) => normaliseKey(`${prefix}${base}`)),
          ].some((key) => keys.has(key)),
        );
      if (known.length >= 2 && (!best || known.length > best.known.length))
        best = { family: family.id, known };
    }
    if (best && best.known.length * 2 >= siblings.length) {
      found.push({ kind, affix, family: best.family, siblings, knownBases: best.known });
    }
  };
  tryAffix('suffix', parts[parts.length - 1]!);
  tryAffix('prefix', parts[0]!);
  return found;
}

/** Other families where stored jobs carry the same (normalised) key unmapped. */
export function sameKeyElsewhere(pack: ContextPack, subject: KeySubject): string[] {
  return [
    ...new Set(
      pack.relatedKeys
        .filter(
          (related) => related.normalisedKey === subject.normalisedKey && related.family !== subject.family,
        )
        .map((related) => related.family),
    ),
  ].sort();
}

/** Keys of the same family that appear beside the issue's key (a distributor's other columns). */
export function neighbourKeys(
  pack: ContextPack,
  subject: KeySubject,
  exclude: ReadonlySet<string>,
): KeySubject[] {
  return pack.relatedKeys
    .filter(
      (related) =>
        related.family === subject.family &&
        related.normalisedKey !== subject.normalisedKey &&
        !exclude.has(related.normalisedKey),
    )
    .map(relatedSubject);
}

export function aliasOp(field: string, key: string, families: readonly string[]): FixOp {
  return { op: 'add_alias', field, key, families: [...families] };
}

/** A comparable identity of an op: normalised keys and values, families sorted. */
export function opIdentity(op: FixOp): string {
  switch (op.op) {
    case 'add_alias':
      return `add_alias|${op.field}|${normaliseKey(op.key)}|${[...(op.families ?? [])].sort().join(',')}`;
    case 'add_family_affix':
      return `add_family_affix|${op.family}|${(op.suffix ?? '').toLowerCase()}|${(op.prefix ?? '').toLowerCase()}`;
    case 'add_picklist_alias':
      return `add_picklist_alias|${op.picklist}|${compactValue(op.alias)}|${compactValue(op.to)}`;
    case 'add_ignored_key':
      return `add_ignored_key|${normaliseKey(op.key)}|${[...(op.families ?? [])].sort().join(',')}`;
    default:
      return JSON.stringify(op);
  }
}

/** One short line for an op, used in rationales and in concerns that name the op they are about. */
export function opLabel(op: FixOp): string {
  switch (op.op) {
    case 'add_alias':
      return `add_alias ${op.field} ← "${op.key}"${op.families ? ` [${op.families.join(', ')}]` : ''}`;
    case 'add_family_affix':
      return `add_family_affix ${op.family} ${op.suffix ? `suffix "${op.suffix}"` : `prefix "${op.prefix}"`}`;
    case 'add_picklist_alias':
      return `add_picklist_alias ${op.picklist} "${op.alias}" → "${op.to}"`;
    case 'add_ignored_key':
      return `add_ignored_key "${op.key}"${op.families ? ` [${op.families.join(', ')}]` : ''}`;
    default:
      return op.op;
  }
}

/** The ops a built-in may propose or endorse: the low-risk additions it can judge. */
export const JUDGEABLE_OPS: ReadonlySet<FixOp['op']> = new Set([
  'add_alias',
  'add_family_affix',
  'add_picklist_alias',
  'add_ignored_key',
]);

/**
 * Which field a result path reports: `Primary_Attributes.Brand_Verified` and `...Brand_Id` → `brand`,
 * `Top_Filter_Attributes.wattage` → `wattage`. Null when no pack field matches.
 */
export function fieldOfPath(path: string, fields: readonly PackField[]): string | null {
  const [section, leaf] = path.split('.', 2);
  if (leaf === undefined) return null;
  if (section === 'Top_Filter_Attributes' || section === 'Top_Filter_Attribute_Ids') {
    return fields.some((field) => field.id === leaf) ? leaf : null;
  }
  const bare = compactValue(leaf.replace(/_(Verified|Id|List_HTML|GTIN_Verified)$/i, ''));
  const exact = fields.find((field) => compactValue(field.id) === bare || compactValue(field.label) === bare);
  if (exact) return exact.id;
  // `Product_Style_Verified` → style, `UPC_GTIN_Verified` → upc: the field's id ends or starts the name.
  const partial = fields
    .filter((field) => bare.endsWith(compactValue(field.id)) || bare.startsWith(compactValue(field.id)))
    .sort((a, b) => b.id.length - a.id.length)[0];
  return partial?.id ?? null;
}

/** The field an issue about a missing output names (`Brand_Verified` or `brand`). */
export function fieldOfIssue(pack: ContextPack): string | null {
  const named = pack.issue.field;
  if (named === undefined) return null;
  if (pack.fields.some((field) => field.id === named)) return named;
  return fieldOfPath(`Primary_Attributes.${named}`, pack.fields);
}

export const clampConfidence = (value: number): number => Math.max(0, Math.min(100, Math.round(value)));
