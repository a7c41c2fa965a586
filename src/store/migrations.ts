import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';

/**
 * Migrations are code, run at start. Only portable column types and Kysely's schema builder:
 * no SQLite-only SQL, so a PostgreSQL dialect can run the same list.
 */
const migrations: Record<string, Migration> = {
  '0001_verification': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('jobs')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('sf_catalog_id', 'text', (column) => column.notNull())
        .addColumn('sf_catalog_name', 'text', (column) => column.notNull())
        .addColumn('content_hash', 'text', (column) => column.notNull())
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('raw_payload', 'text', (column) => column.notNull())
        .addColumn('result', 'text')
        .addColumn('rule_set_version', 'integer')
        .addColumn('webhook_url', 'text')
        .addColumn('error', 'text')
        .addColumn('received_at', 'text', (column) => column.notNull())
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('updated_at', 'text', (column) => column.notNull())
        .addColumn('started_at', 'text')
        .addColumn('completed_at', 'text')
        .addColumn('processing_time_ms', 'integer')
        .addColumn('webhook_attempts', 'integer', (column) => column.notNull().defaultTo(0))
        .addColumn('webhook_success', 'integer')
        .addColumn('webhook_last_attempt', 'text')
        .addColumn('sf_acknowledged', 'integer')
        .addColumn('sf_processed', 'integer')
        .addColumn('sf_error', 'text')
        .addColumn('sf_acknowledged_at', 'text')
        .addColumn('duplicate_count', 'integer', (column) => column.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createIndex('jobs_hash_catalog')
        .on('jobs')
        .columns(['content_hash', 'sf_catalog_id'])
        .execute();
      await db.schema.createIndex('jobs_catalog').on('jobs').column('sf_catalog_id').execute();
      await db.schema.createIndex('jobs_status').on('jobs').column('status').execute();
      await db.schema.createIndex('jobs_created').on('jobs').column('created_at').execute();

      await db.schema
        .createTable('delivery_attempts')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('job_id', 'text', (column) => column.notNull())
        .addColumn('kind', 'text', (column) => column.notNull())
        .addColumn('delivery_id', 'text', (column) => column.notNull())
        .addColumn('attempt', 'integer', (column) => column.notNull())
        .addColumn('url', 'text', (column) => column.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('error', 'text')
        .addColumn('response_excerpt', 'text')
        .addColumn('duration_ms', 'integer', (column) => column.notNull())
        .addColumn('succeeded', 'integer', (column) => column.notNull())
        .addColumn('attempted_at', 'text', (column) => column.notNull())
        .execute();
      await db.schema.createIndex('delivery_attempts_job').on('delivery_attempts').column('job_id').execute();

      await db.schema
        .createTable('sf_confirmations')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('job_id', 'text')
        .addColumn('sf_catalog_id', 'text', (column) => column.notNull())
        .addColumn('session_id', 'text')
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('fields_updated', 'text')
        .addColumn('error_message', 'text')
        .addColumn('reported_at', 'text')
        .addColumn('received_at', 'text', (column) => column.notNull())
        .execute();
      await db.schema.createIndex('sf_confirmations_job').on('sf_confirmations').column('job_id').execute();

      await db.schema
        .createTable('rule_set_versions')
        .addColumn('version', 'integer', (column) => column.primaryKey())
        .addColumn('parent_version', 'integer')
        .addColumn('document', 'text', (column) => column.notNull())
        .addColumn('checksum', 'text', (column) => column.notNull())
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('created_by', 'text', (column) => column.notNull())
        .addColumn('note', 'text', (column) => column.notNull())
        .addColumn('heal_run_id', 'text')
        .addColumn('fix_ops', 'text')
        .execute();

      await db.schema
        .createTable('active_rule_set')
        .addColumn('id', 'integer', (column) => column.primaryKey())
        .addColumn('version', 'integer', (column) => column.notNull())
        .addColumn('activated_at', 'text', (column) => column.notNull())
        .addColumn('activated_by', 'text', (column) => column.notNull())
        .execute();

      await db.schema
        .createTable('queue_jobs')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('queue', 'text', (column) => column.notNull())
        .addColumn('payload', 'text', (column) => column.notNull())
        .addColumn('status', 'text', (column) => column.notNull())
        .addColumn('run_at', 'bigint', (column) => column.notNull())
        .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
        .addColumn('max_attempts', 'integer', (column) => column.notNull())
        .addColumn('lease_until', 'bigint')
        .addColumn('locked_by', 'text')
        .addColumn('last_error', 'text')
        .addColumn('singleton_key', 'text', (column) => column.unique())
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('updated_at', 'text', (column) => column.notNull())
        .execute();
      await db.schema
        .createIndex('queue_jobs_due')
        .on('queue_jobs')
        .columns(['queue', 'status', 'run_at'])
        .execute();
    },
  },
  '0002_self_healing': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('self_healing_logs')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('job_id', 'text', (column) => column.notNull())
        .addColumn('signature', 'text', (column) => column.notNull())
        .addColumn('open_signature', 'text', (column) => column.unique())
        .addColumn('issue_type', 'text', (column) => column.notNull())
        .addColumn('issue', 'text', (column) => column.notNull())
        .addColumn('severity', 'text', (column) => column.notNull())
        .addColumn('priority', 'integer', (column) => column.notNull())
        .addColumn('state', 'text', (column) => column.notNull())
        .addColumn('detected_at', 'text', (column) => column.notNull())
        .addColumn('diagnosis_timestamp', 'text')
        .addColumn('consensus_achieved', 'integer', (column) => column.notNull().defaultTo(0))
        .addColumn('openai_diagnosis', 'text')
        .addColumn('xai_diagnosis', 'text')
        .addColumn('consensus', 'text')
        .addColumn('selected_fix', 'text')
        .addColumn('system_wide_fixes', 'text')
        .addColumn('risk', 'text')
        .addColumn('attempts_taken', 'integer', (column) => column.notNull().defaultTo(0))
        .addColumn('attempts', 'text', (column) => column.notNull())
        .addColumn('staged_version', 'integer')
        .addColumn('activated_version', 'integer')
        .addColumn('approval', 'text')
        .addColumn('final_validation', 'text')
        .addColumn('final_approval', 'text')
        .addColumn('final_outcome', 'text')
        .addColumn('outcome_reason', 'text')
        .addColumn('sf_correction_sent', 'integer', (column) => column.notNull().defaultTo(0))
        .addColumn('false_positive', 'integer', (column) => column.notNull().defaultTo(0))
        .addColumn('usage', 'text', (column) => column.notNull())
        .addColumn('transcript', 'text', (column) => column.notNull())
        .addColumn('timings', 'text', (column) => column.notNull())
        .addColumn('completed_at', 'text')
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('updated_at', 'text', (column) => column.notNull())
        .execute();
      await db.schema
        .createIndex('self_healing_logs_job')
        .on('self_healing_logs')
        .columns(['job_id', 'created_at'])
        .execute();
      await db.schema
        .createIndex('self_healing_logs_outcome')
        .on('self_healing_logs')
        .column('final_outcome')
        .execute();
      await db.schema
        .createIndex('self_healing_logs_created')
        .on('self_healing_logs')
        .column('created_at')
        .execute();

      await db.schema
        .createTable('heal_run_jobs')
        .addColumn('run_id', 'text', (column) => column.notNull())
        .addColumn('job_id', 'text', (column) => column.notNull())
        .addColumn('correction_status', 'text', (column) => column.notNull())
        .addColumn('before_version', 'integer')
        .addColumn('after_version', 'integer')
        .addColumn('changes', 'text')
        .addColumn('correction_attempts', 'integer', (column) => column.notNull().defaultTo(0))
        .addColumn('sf_response', 'text')
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('updated_at', 'text', (column) => column.notNull())
        .addPrimaryKeyConstraint('heal_run_jobs_pk', ['run_id', 'job_id'])
        .execute();
      await db.schema.createIndex('heal_run_jobs_job').on('heal_run_jobs').column('job_id').execute();

      await db.schema
        .createTable('job_issues')
        .addColumn('job_id', 'text', (column) => column.notNull())
        .addColumn('signature', 'text', (column) => column.notNull())
        .addColumn('issue_type', 'text', (column) => column.notNull())
        .addColumn('severity', 'text', (column) => column.notNull())
        .addColumn('healable', 'integer', (column) => column.notNull())
        .addColumn('issue', 'text', (column) => column.notNull())
        .addColumn('rule_set_version', 'integer', (column) => column.notNull())
        .addColumn('detected_at', 'text', (column) => column.notNull())
        .addPrimaryKeyConstraint('job_issues_pk', ['job_id', 'signature'])
        .execute();
      await db.schema.createIndex('job_issues_signature').on('job_issues').column('signature').execute();

      await db.schema
        .createTable('escalations')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('run_id', 'text')
        .addColumn('job_id', 'text')
        .addColumn('reason', 'text', (column) => column.notNull())
        .addColumn('message', 'text', (column) => column.notNull())
        .addColumn('context', 'text', (column) => column.notNull())
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('resolved_at', 'text')
        .execute();
      await db.schema.createIndex('escalations_created').on('escalations').column('created_at').execute();
    },
  },
  '0003_recent_jobs_index': {
    // The regression gate and the context pack read the most recently verified jobs; without
    // this index each read sorts every completed row.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createIndex('jobs_status_completed')
        .on('jobs')
        .columns(['status', 'completed_at'])
        .execute();
    },
  },
  '0004_job_category': {
    // Final validation re-verifies the stored jobs of the fixed job's category.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('jobs').addColumn('category', 'text').execute();
      await db.schema
        .createIndex('jobs_category_completed')
        .on('jobs')
        .columns(['category', 'completed_at'])
        .execute();
    },
  },
  '0005_correction_body': {
    // The correction is built once and stored: every retry sends the same bytes under its key.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('heal_run_jobs').addColumn('correction_body', 'text').execute();
    },
  },
};

export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations } satisfies MigrationProvider,
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error || failed) {
    throw new Error(
      `Database migration failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`,
    );
  }
}

/** For tests and `/ready`: a trivial round trip. */
export async function ping<Schema>(db: Kysely<Schema>): Promise<void> {
  await sql`select 1`.execute(db);
}
