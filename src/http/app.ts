import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { IntakeService } from '../pipeline/intake-service.ts';
import type { Queue } from '../queue/queue.ts';
import type { Db } from '../store/database.ts';
import type { DeliveryRepository } from '../store/delivery-repository.ts';
import type { JobRepository } from '../store/job-repository.ts';
import { errorBody, refuseWithoutKey } from './auth.ts';
import { confirmRoutes } from './routes/confirm-routes.ts';
import { healthRoutes } from './routes/health-routes.ts';
import { outboundMessageRoutes } from './routes/outbound-message-routes.ts';
import { verifyRoutes } from './routes/verify-routes.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as received, for storage and signatures. */
    rawBody?: string;
  }
}

export interface HttpDependencies {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly db: Db;
  readonly jobs: JobRepository;
  readonly deliveries: DeliveryRepository;
  readonly queue: Queue;
  readonly intake: IntakeService;
  /** Extra route plugins (self-healing, operations), registered after the core ones. */
  readonly plugins?: readonly ((app: FastifyInstance) => Promise<void>)[];
}

/** The fastify app: one plugin per route group, one error mapping, OpenAPI at /docs. */
export async function buildHttpApp(deps: HttpDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Request lines at info level cost ~25% throughput (STACK.md); errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.config.BODY_LIMIT_BYTES,
    requestIdHeader: 'x-request-id',
    trustProxy: false,
    // The router answers 414 to a path parameter over maxParamLength (default 100) before any
    // hook runs, so a caller without a key got 414 where every other request gets 401/403. The
    // limit guards regex parameters, which no route has; each route checks its ids itself,
    // after the key. Node's header limit (16 KiB) still bounds a real request line.
    routerOptions: { maxParamLength: Number.MAX_SAFE_INTEGER },
    // A path with a malformed percent-escape (`/status/%E0%A4%A`) never reaches a route or its
    // key check: the key comes first here too (either key will do, the route is unknown), then
    // the API's own 400.
    frameworkErrors: (error, request, reply) => {
      const keys = [deps.config.API_KEY, deps.config.ADMIN_API_KEY];
      if (refuseWithoutKey(request, reply, keys, 'API') !== undefined) return;
      (reply as FastifyReply).code(400).send(errorBody('VALIDATION_ERROR', error.message));
    },
  });

  // Keep the body text as received (jobs store it unchanged) and parse it ourselves.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    request.rawBody = text;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      const error = new Error('Malformed JSON in request body') as FastifyError;
      error.statusCode = 400;
      error.code = 'MALFORMED_JSON';
      done(error, undefined);
    }
  });
  app.addContentTypeParser(
    ['text/xml', 'application/soap+xml', 'application/xml'],
    { parseAs: 'string' },
    (request, body, done) => {
      request.rawBody = body as string;
      done(null, body);
    },
  );

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    const code =
      status === 413
        ? 'PAYLOAD_TOO_LARGE'
        : status === 415
          ? 'UNSUPPORTED_MEDIA_TYPE'
          : error.code === 'MALFORMED_JSON' || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY'
            ? 'VALIDATION_ERROR'
            : status === 400
              ? 'VALIDATION_ERROR'
              : status === 404
                ? 'NOT_FOUND'
                : 'INTERNAL_ERROR';
    const message = status >= 500 ? 'Internal server error' : error.message;
    return reply.code(status).send(errorBody(code, message));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`)),
  );

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'verity',
        version: '0.1.0',
        description: 'Self-healing product-data verification for Salesforce',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(healthRoutes(deps));
  await app.register(verifyRoutes(deps));
  await app.register(confirmRoutes(deps));
  await app.register(outboundMessageRoutes(deps));
  for (const plugin of deps.plugins ?? []) await app.register(plugin);
  return app;
}
