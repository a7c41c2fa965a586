import { config as loadDotenv } from 'dotenv';
import { ConfigError } from '../config/config.ts';
import { ListenError } from '../http/listen-error.ts';

/** `verity <command>`: one entry point for every command; each lives in its own module. */
const USAGE = `usage: verity <command>

  serve                         run the HTTP API and the workers (port 3001)
  verify FILE [--at ISO] [--rules FILE]
                                verify a record file offline and print the result
  replay PATH --url URL --api-key KEY [--wait] [--concurrency N] [--timeout-ms MS]
         [--poll-ms MS] [--json]
                                send every record in a file, folder or JSONL to a running verity
  sf-sink --port N --out FILE   a local stand-in for the Salesforce webhook receiver
  demo [--examples DIR] [--dir DIR] [--heal-delay MS] [--keep-running]
                                start verity and a sink, replay examples/, heal, print the summary

  verity <command> --help       more about one command (verify, replay)
`;

async function main(argv: string[]): Promise<number> {
  loadDotenv({ quiet: true });
  const [command, ...args] = argv;
  switch (command) {
    case 'serve':
      return (await import('./serve-command.ts')).serveCommand();
    case 'verify':
      return (await import('./verify-command.ts')).verifyCommand(args);
    case 'replay':
      return (await import('./replay-command.ts')).replayCommand(args);
    case 'sf-sink':
      return (await import('./sf-sink-command.ts')).sfSinkCommand(args);
    case 'demo':
      return (await import('./demo-command.ts')).demoCommand(args);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`verity: unknown command ${command}\n${USAGE}`);
      return 2;
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof ConfigError || error instanceof ListenError) {
    process.stderr.write(`${error.message}\nSee README.md (Configuration) or .env.example.\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(
      `verity: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  }
}
