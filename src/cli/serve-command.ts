import { loadConfig } from '../config/config.ts';
import { startVerity } from '../main.ts';

/** `verity serve`: the HTTP API and the workers in one process, until SIGINT or SIGTERM. */
export async function serveCommand(): Promise<number> {
  const config = loadConfig(process.env);
  const verity = await startVerity(config);
  console.error(
    `verity listening on ${verity.url} (database ${config.DATABASE_URL}${verity.keyFile ? `; generated keys in ${verity.keyFile}` : ''})`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  verity.logger.info('shutting down');
  await verity.stop();
  return 0;
}
