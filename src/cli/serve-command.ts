import { loadConfig } from '../config/config.ts';
import { describeLocalKeys, unsetKeys } from '../config/local-keys.ts';
import { startVerity } from '../main.ts';

/** `verity serve`: the HTTP API and the workers in one process, until SIGINT or SIGTERM. */
export async function serveCommand(): Promise<number> {
  const config = loadConfig(process.env);
  const verity = await startVerity(config);
  // Only the keys left unset come from the key file: name exactly those, not the file alone.
  const keys = describeLocalKeys(unsetKeys(config), verity.keyFile);
  console.error(
    `verity listening on ${verity.url} (database ${config.DATABASE_URL}${keys ? `; ${keys}` : ''})`,
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
