import { createHash } from 'node:crypto';
import type { RuleSet } from '../domain/rule-set/rule-set-schema.ts';
import type { Db } from './database.ts';
import { canonicalJson } from './json.ts';

export interface RuleSetVersion {
  readonly version: number;
  readonly parentVersion: number | null;
  readonly document: RuleSet;
  readonly checksum: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly note: string;
  readonly healRunId: string | null;
  readonly fixOps: unknown;
}

/**
 * Rule set versions are immutable rows; the active one is a single-row pointer, so activation
 * and rollback are one atomic write.
 */
export class RuleSetRepository {
  constructor(private readonly db: Db) {}

  async create(input: {
    parentVersion: number | null;
    document: RuleSet;
    createdBy: string;
    note: string;
    healRunId?: string | null;
    fixOps?: unknown;
    at: string;
  }): Promise<RuleSetVersion> {
    const text = canonicalJson(input.document);
    const checksum = createHash('sha256').update(text).digest('hex');
    return this.db.transaction().execute(async (trx) => {
      const latest = await trx
        .selectFrom('rule_set_versions')
        .select((eb) => eb.fn.max('version').as('max'))
        .executeTakeFirst();
      const version = Number(latest?.max ?? 0) + 1;
      await trx
        .insertInto('rule_set_versions')
        .values({
          version,
          parent_version: input.parentVersion,
          document: text,
          checksum,
          created_at: input.at,
          created_by: input.createdBy,
          note: input.note,
          heal_run_id: input.healRunId ?? null,
          fix_ops: input.fixOps === undefined ? null : JSON.stringify(input.fixOps),
        })
        .execute();
      return {
        version,
        parentVersion: input.parentVersion,
        document: input.document,
        checksum,
        createdAt: input.at,
        createdBy: input.createdBy,
        note: input.note,
        healRunId: input.healRunId ?? null,
        fixOps: input.fixOps ?? null,
      };
    });
  }

  async get(version: number): Promise<RuleSetVersion | undefined> {
    const row = await this.db
      .selectFrom('rule_set_versions')
      .selectAll()
      .where('version', '=', version)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      version: row.version,
      parentVersion: row.parent_version,
      document: JSON.parse(row.document) as RuleSet,
      checksum: row.checksum,
      createdAt: row.created_at,
      createdBy: row.created_by,
      note: row.note,
      healRunId: row.heal_run_id,
      fixOps: row.fix_ops === null ? null : (JSON.parse(row.fix_ops) as unknown),
    };
  }

  async list(): Promise<Omit<RuleSetVersion, 'document'>[]> {
    const rows = await this.db
      .selectFrom('rule_set_versions')
      .select([
        'version',
        'parent_version',
        'checksum',
        'created_at',
        'created_by',
        'note',
        'heal_run_id',
        'fix_ops',
      ])
      .orderBy('version', 'desc')
      .execute();
    return rows.map((row) => ({
      version: row.version,
      parentVersion: row.parent_version,
      checksum: row.checksum,
      createdAt: row.created_at,
      createdBy: row.created_by,
      note: row.note,
      healRunId: row.heal_run_id,
      fixOps: row.fix_ops === null ? null : (JSON.parse(row.fix_ops) as unknown),
    }));
  }

  async activeVersion(executor: Db = this.db): Promise<number | null> {
    const row = await executor
      .selectFrom('active_rule_set')
      .select('version')
      .where('id', '=', 1)
      .executeTakeFirst();
    return row?.version ?? null;
  }

  async activate(version: number, by: string, at: string, executor: Db = this.db): Promise<void> {
    await executor
      .insertInto('active_rule_set')
      .values({ id: 1, version, activated_at: at, activated_by: by })
      .onConflict((conflict) =>
        conflict.column('id').doUpdateSet({ version, activated_at: at, activated_by: by }),
      )
      .execute();
  }
}
