import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { HttpDependencies } from '../app.ts';
import { errorBody, requireKey } from '../auth.ts';

const confirmation = z.object({
  sf_catalog_id: z.string().min(1).max(40),
  sf_catalog_name: z.string().max(255).optional(),
  session_id: z.string().max(100).optional(),
  status: z.enum(['saved', 'error']),
  fields_updated: z
    .union([z.array(z.string().max(200)).max(500), z.number(), z.string().max(2000)])
    .optional(),
  error_message: z.string().max(4000).nullable().optional(),
  timestamp: z.string().max(40).optional(),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Salesforce reports that it saved a result, or could not. The peer accepted this without any
 * authentication; verity requires the API key, and the self-healing detector reads the stored
 * confirmations (a save error is an issue).
 */
export function confirmRoutes(deps: HttpDependencies) {
  const auth = requireKey(() => deps.config.API_KEY, 'API');
  return async (app: FastifyInstance) => {
    app.post(
      '/api/webhook/confirm',
      {
        onRequest: auth,
        schema: { summary: 'Salesforce save confirmation', security: [{ apiKey: [] }, { bearer: [] }] },
      },
      async (request, reply) => {
        const parsed = confirmation.safeParse(request.body);
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          return reply
            .code(400)
            .send(errorBody('VALIDATION_ERROR', `${issue.path.join('.') || 'body'}: ${issue.message}`));
        }
        const body = parsed.data;
        const job =
          (body.session_id && UUID.test(body.session_id)
            ? await deps.jobs.get(body.session_id)
            : undefined) ?? (await deps.jobs.latestBySfCatalogId(body.sf_catalog_id));
        const receivedAt = new Date().toISOString();
        await deps.deliveries.recordConfirmation({
          jobId: job?.id ?? null,
          sfCatalogId: body.sf_catalog_id,
          sessionId: body.session_id ?? null,
          status: body.status,
          fieldsUpdated: body.fields_updated,
          errorMessage: body.error_message ?? null,
          reportedAt: body.timestamp ?? null,
          receivedAt,
        });
        request.log.info(
          { jobId: job?.id ?? null, sfCatalogId: body.sf_catalog_id, status: body.status },
          body.status === 'saved' ? 'Salesforce saved the result' : 'Salesforce reported a save error',
        );
        return {
          success: true,
          message: body.status === 'saved' ? 'Save confirmation recorded' : 'Save error recorded',
          received_at: receivedAt,
          jobId: job?.id ?? null,
        };
      },
    );
  };
}
