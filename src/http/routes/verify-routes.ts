import type { FastifyInstance } from 'fastify';
import type { JobRow } from '../../store/job-repository.ts';
import type { HttpDependencies } from '../app.ts';
import { requireKey } from '../auth.ts';
import { checkRecord } from '../record-validation.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The status body of PEER-CONTRACT §2, field for field. */
function statusBody(job: JobRow, webhookConfigured: boolean) {
  const body: Record<string, unknown> = {
    jobId: job.id,
    SF_Catalog_Id: job.sf_catalog_id,
    SF_Catalog_Name: job.sf_catalog_name,
    status: job.status,
    createdAt: job.created_at,
    updatedAt: job.updated_at,
  };
  if (job.started_at) body.startedAt = job.started_at;
  const webhookDelivery = {
    success: job.webhook_success === 1,
    attempts: job.webhook_attempts,
    lastAttempt: job.webhook_last_attempt,
    configured: webhookConfigured,
  };
  if (job.status === 'completed') {
    body.completedAt = job.completed_at;
    body.processingTimeMs = job.processing_time_ms;
    body.result = job.result === null ? null : JSON.parse(job.result);
    body.ruleSetVersion = job.rule_set_version;
    body.webhookDelivery = webhookDelivery;
  } else if (job.status === 'failed') {
    body.error = job.error;
    body.completedAt = job.completed_at;
    body.webhookDelivery = webhookDelivery;
  }
  if (job.sf_acknowledged !== null) {
    body.salesforceAcknowledged = job.sf_acknowledged === 1;
    body.salesforceProcessed = job.sf_processed === 1;
    body.salesforceError = job.sf_error;
    body.salesforceAcknowledgedAt = job.sf_acknowledged_at;
  }
  return body;
}

export function verifyRoutes(deps: HttpDependencies) {
  const auth = requireKey(() => deps.config.API_KEY, 'API');
  return async (app: FastifyInstance) => {
    app.post(
      '/api/verify/salesforce',
      {
        onRequest: auth,
        schema: {
          summary: 'Accept one Salesforce catalog record; verification runs as durable work',
          security: [{ apiKey: [] }, { bearer: [] }],
          body: { type: 'object', additionalProperties: true },
        },
        // Validation is ours (checkRecord) so that messages match the contract exactly.
        validatorCompiler: () => () => true,
      },
      async (request, reply) => {
        const check = checkRecord(request.body);
        if (!check.ok) {
          deps.metrics.recordsReceived.inc({ outcome: 'rejected' });
          return reply.code(400).send({ success: false, error: check.message, jobId: null });
        }
        const rawBody = request.rawBody ?? JSON.stringify(check.record);
        const accepted = await deps.intake.accept(rawBody, check.record);
        return reply.code(202).send({
          success: true,
          message: 'Request Received / Processing',
          jobId: accepted.job.id,
          SF_Catalog_Id: accepted.job.sf_catalog_id,
          SF_Catalog_Name: accepted.job.sf_catalog_name,
          status: accepted.duplicate ? accepted.job.status : 'queued',
          estimatedProcessingTime: '30-120 seconds',
          webhookConfigured: accepted.webhookUrl !== null,
          webhookUrl: accepted.webhookUrl,
          receivedAt: accepted.job.received_at,
          duplicate: accepted.duplicate,
        });
      },
    );

    app.get<{ Params: { jobId: string } }>(
      '/api/verify/salesforce/status/:jobId',
      {
        onRequest: auth,
        schema: { summary: 'Status and result of one job', security: [{ apiKey: [] }, { bearer: [] }] },
      },
      async (request, reply) => {
        const job = UUID.test(request.params.jobId) ? await deps.jobs.get(request.params.jobId) : undefined;
        if (!job) return reply.code(404).send({ success: false, error: 'Job not found' });
        return statusBody(job, job.webhook_url !== null);
      },
    );

    app.get(
      '/api/verify/salesforce/queue/stats',
      { onRequest: auth, schema: { summary: 'Jobs by status', security: [{ apiKey: [] }, { bearer: [] }] } },
      async () => ({
        success: true,
        stats: await deps.jobs.statusCounts(),
        timestamp: new Date().toISOString(),
      }),
    );

    app.post<{ Params: { jobId: string } }>(
      '/api/verify/salesforce/acknowledge/:jobId',
      {
        onRequest: auth,
        schema: {
          summary: "Salesforce's acknowledgement of a result",
          security: [{ apiKey: [] }, { bearer: [] }],
        },
      },
      async (request, reply) => {
        // No body means the defaults; anything else must be an object of flags.
        const given: unknown = request.body === undefined ? {} : request.body;
        if (typeof given !== 'object' || given === null || Array.isArray(given)) {
          return reply.code(400).send({
            success: false,
            error: 'Request body must be a JSON object (received, processed, error)',
          });
        }
        const job = UUID.test(request.params.jobId) ? await deps.jobs.get(request.params.jobId) : undefined;
        if (!job) return reply.code(404).send({ success: false, error: 'Job not found' });
        const body = given as Record<string, unknown>;
        const flag = (value: unknown, fallback: boolean) => (typeof value === 'boolean' ? value : fallback);
        const error = typeof body.error === 'string' ? body.error.slice(0, 2000) : null;
        await deps.jobs.acknowledge(job.id, {
          received: flag(body.received, true),
          processed: flag(body.processed, false),
          error,
          at: new Date().toISOString(),
        });
        request.log.info(
          { jobId: job.id, salesforceRecordUpdated: flag(body.salesforce_record_updated, false) },
          'Salesforce acknowledged result',
        );
        return {
          success: true,
          message: 'Acknowledgment received',
          jobId: job.id,
          SF_Catalog_Id: job.sf_catalog_id,
        };
      },
    );
  };
}
