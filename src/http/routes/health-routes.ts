import type { FastifyInstance } from 'fastify';
import { ping } from '../../store/migrations.ts';
import type { HttpDependencies } from '../app.ts';

/** Probes and Prometheus. No key: they reveal nothing about records. */
export function healthRoutes(deps: HttpDependencies) {
  return async (app: FastifyInstance) => {
    app.get('/health', { schema: { hide: true } }, async () => ({
      status: 'healthy',
      timestamp: new Date().toISOString(),
    }));
    app.get('/ready', { schema: { hide: true } }, async (_request, reply) => {
      try {
        await ping(deps.db);
        return { ready: true };
      } catch (error) {
        return reply
          .code(503)
          .send({ ready: false, reason: error instanceof Error ? error.message : 'database unavailable' });
      }
    });
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      reply.header('content-type', deps.metrics.registry.contentType);
      return deps.metrics.registry.metrics();
    });
  };
}
