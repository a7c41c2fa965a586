import { loadConfig } from '../config/config.ts';
import { describeLocalKeys, unsetKeys } from '../config/local-keys.ts';
import { startLine } from '../http/listen-address.ts';
import { startVerity } from '../main.ts';

/** `verity serve`: the HTTP API and the workers in one process, until SIGINT or SIGTERM. */
export async function serveCommand(): Promise<number> {
  const config = loadConfig(process.env);
  const verity = await startVerity(config);
  // Only the keys left unset come from the key file: name exactly those, not the file alone.
  const keys = describeLocalKeys(unsetKeys(config), verity.keyFile);
  // The port really bound (PORT=0 picks one); the host as configured, since fastify's URL says
  // 127.0.0.1 for a bind on every interface.
  const address = verity.app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.PORT;
  console.error(startLine(config.HOST, port, config.DATABASE_URL, keys));
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  verity.logger.info('shutting down');
  await verity.stop();
  return 0;
}
