import { randomUUID } from 'node:crypto';
import type { Db } from './database.ts';
import type { DeliveryAttemptsTable } from './schema.ts';

export type DeliveryAttempt = Omit<DeliveryAttemptsTable, 'id'>;

/** Every outbound delivery attempt, successful or not, and Salesforce's save confirmations. */
export class DeliveryRepository {
  constructor(private readonly db: Db) {}

  async recordAttempt(attempt: DeliveryAttempt): Promise<void> {
    await this.db
      .insertInto('delivery_attempts')
      .values({ id: randomUUID(), ...attempt })
      .execute();
  }

  async attemptsFor(jobId: string, kind?: string) {
    let query = this.db.selectFrom('delivery_attempts').selectAll().where('job_id', '=', jobId);
    if (kind) query = query.where('kind', '=', kind);
    return query.orderBy('attempted_at').orderBy('attempt').execute();
  }

  async recordConfirmation(confirmation: {
    jobId: string | null;
    sfCatalogId: string;
    sessionId: string | null;
    status: string;
    fieldsUpdated: unknown;
    errorMessage: string | null;
    reportedAt: string | null;
    receivedAt: string;
  }): Promise<void> {
    await this.db
      .insertInto('sf_confirmations')
      .values({
        id: randomUUID(),
        job_id: confirmation.jobId,
        sf_catalog_id: confirmation.sfCatalogId,
        session_id: confirmation.sessionId,
        status: confirmation.status,
        fields_updated:
          confirmation.fieldsUpdated === undefined ? null : JSON.stringify(confirmation.fieldsUpdated),
        error_message: confirmation.errorMessage,
        reported_at: confirmation.reportedAt,
        received_at: confirmation.receivedAt,
      })
      .execute();
  }

  async confirmationsFor(jobId: string) {
    return this.db
      .selectFrom('sf_confirmations')
      .selectAll()
      .where('job_id', '=', jobId)
      .orderBy('id')
      .execute();
  }
}
