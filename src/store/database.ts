import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { migrateToLatest } from './migrations.ts';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;

/** Where the embedded database lives, from `DATABASE_URL` (`sqlite:<path>`, `file:<path>` or a path). */
export function sqlitePath(databaseUrl: string): string {
  if (databaseUrl === ':memory:' || databaseUrl === 'sqlite::memory:') return ':memory:';
  const path = databaseUrl.replace(/^sqlite:(\/\/)?/, '').replace(/^file:/, '');
  return resolve(path);
}

/**
 * Opens the store and brings its schema up to date. SQLite runs in WAL mode with a busy timeout,
 * so readers never block the writer and a second process (a CLI, a worker) waits instead of failing.
 */
export async function openDatabase(databaseUrl: string): Promise<Db> {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error(
      'DATABASE_URL names PostgreSQL, which this build does not include yet; use sqlite:<path> (the default).',
    );
  }
  const path = sqlitePath(databaseUrl);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SqliteDatabase(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrateToLatest(db as Kysely<unknown>);
  return db;
}
