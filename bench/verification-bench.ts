import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import pino from 'pino';
import { startSfSink } from '../src/cli/sf-sink-command.ts';
import { loadConfig } from '../src/config/config.ts';
import { compileRuleSet } from '../src/domain/rule-set/compile-rule-set.ts';
import { buildDefaultRuleSet } from '../src/domain/rule-set/default-rule-set.ts';
import { rulesSchema } from '../src/domain/rule-set/rule-set-schema.ts';
import { verifyRecord } from '../src/domain/verification/verify-record.ts';
import { startVerity } from '../src/main.ts';
import { QUEUES } from '../src/pipeline/queues.ts';

/**
 * Issue #2's figures, each a ratio against a baseline measured in the same run (these machines
 * are noisy): (a) engine cost per record ÷ JSON.parse + JSON.stringify of the same record;
 * (b) POST /api/verify/salesforce throughput ÷ a bare fastify route parsing the same body;
 * (c) end-to-end records verified and delivered per second to a loopback sink, peak RSS.
 */

export interface BenchFigure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target: string;
  readonly met: boolean | null;
  readonly detail: string;
}

function exampleFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...exampleFiles(path));
    else if (name.endsWith('.json') && name !== 'index.json') files.push(path);
  }
  return files;
}

export function loadExampleRecords(): { text: string; payload: Record<string, unknown> }[] {
  return exampleFiles('examples')
    .map((file) => readFileSync(file, 'utf8'))
    .map((text) => ({ text, payload: JSON.parse(text) as Record<string, unknown> }))
    .filter(
      ({ payload }) =>
        typeof payload.SF_Catalog_Id === 'string' && typeof payload.SF_Catalog_Name === 'string',
    );
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** (a) Verification engine vs JSON round trip, over every example record, median of rounds. */
export function benchEngine(
  records: { text: string; payload: Record<string, unknown> }[],
  rounds = 7,
): BenchFigure {
  const rules = compileRuleSet(rulesSchema.parse(buildDefaultRuleSet()), 1);
  const context = { receivedAt: '2026-01-01T00:00:00.000Z', sessionId: 'bench' };
  let sink = 0;
  const ratios: number[] = [];
  const engineTimes: number[] = [];
  for (let round = 0; round < rounds + 2; round += 1) {
    let start = process.hrtime.bigint();
    for (const record of records) sink += JSON.stringify(JSON.parse(record.text)).length;
    const baseline = Number(process.hrtime.bigint() - start);
    start = process.hrtime.bigint();
    for (const record of records) sink += verifyRecord(record.payload, rules, context).score;
    const engine = Number(process.hrtime.bigint() - start);
    if (round >= 2) {
      ratios.push(engine / baseline);
      engineTimes.push(engine / records.length / 1000);
    }
  }
  if (sink === 0) throw new Error('unreachable');
  const ratio = median(ratios);
  return {
    name: '(a) engine cost per record ÷ JSON.parse+stringify',
    value: ratio,
    unit: '×',
    target: '≤ 3',
    met: ratio <= 3,
    detail: `${records.length} records, median of ${rounds} rounds; engine ${median(engineTimes).toFixed(0)} µs/record`,
  };
}

async function runLoad(
  url: string,
  headers: Record<string, string>,
  template: Record<string, unknown>,
  seconds: number,
) {
  let sequence = 0;
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    connections: 32,
    duration: seconds,
    requests: [
      {
        setupRequest: (request) => {
          sequence += 1;
          // A distinct valid Salesforce id per request, so nothing is a duplicate re-send.
          const id = `a03BENCH${String(sequence).padStart(10, '0')}`;
          return { ...request, body: JSON.stringify({ ...template, SF_Catalog_Id: id }) };
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    non2xx: result.non2xx,
    errors: result.errors,
    p99: result.latency.p99,
  };
}

/** (b) POST /api/verify/salesforce throughput vs a bare fastify route on the same body. */
export async function benchIntake(
  template: Record<string, unknown>,
  dir: string,
  seconds = 6,
): Promise<BenchFigure> {
  const bare = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024 });
  bare.post('/api/verify/salesforce', async (_request, reply) => reply.code(202).send({ success: true }));
  const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' });
  const baseline = await runLoad(`${bareUrl}/api/verify/salesforce`, {}, template, seconds);
  await bare.close();

  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: `sqlite:${join(dir, 'intake.db')}`,
    API_KEY: 'bench-key',
    ADMIN_API_KEY: 'bench-admin',
    LOG_LEVEL: 'warn',
    SELF_HEALING_ENABLED: 'false',
  });
  const verity = await startVerity(config, {
    logger: pino({ level: 'warn' }, pino.destination('/dev/null')),
  });
  const measured = await runLoad(
    `${verity.url}/api/verify/salesforce`,
    { 'x-api-key': 'bench-key' },
    template,
    seconds,
  );
  await verity.queue.idle([QUEUES.verify], 120_000);
  await verity.stop();
  const ratio = measured.rps / baseline.rps;
  return {
    name: '(b) POST /api/verify/salesforce ÷ bare fastify route',
    value: ratio,
    unit: '×',
    target: '≥ 0.5',
    met: ratio >= 0.5 && measured.non2xx === 0,
    detail: `verity ${measured.rps.toFixed(0)} req/s (p99 ${measured.p99} ms, non-2xx ${measured.non2xx}) vs bare ${baseline.rps.toFixed(0)} req/s; 32 connections, ${seconds} s each, verification workers running`,
  };
}

/** (c) End to end: records posted, verified and delivered to a loopback sink; peak RSS. */
export async function benchEndToEnd(
  records: { text: string }[],
  dir: string,
  copies = 4,
): Promise<BenchFigure[]> {
  const sink = await startSfSink({ port: 0, out: null });
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: `sqlite:${join(dir, 'e2e.db')}`,
    API_KEY: 'bench-key',
    ADMIN_API_KEY: 'bench-admin',
    SF_WEBHOOK_URL: `${sink.url}/services/apexrest/catalog_verification`,
    LOG_LEVEL: 'warn',
    SELF_HEALING_ENABLED: 'false',
  });
  const verity = await startVerity(config, {
    logger: pino({ level: 'warn' }, pino.destination('/dev/null')),
  });
  const bodies: string[] = [];
  for (let copy = 0; copy < copies; copy += 1) {
    for (const [index, record] of records.entries()) {
      const payload = JSON.parse(record.text) as Record<string, unknown>;
      payload.SF_Catalog_Id = `a03E2E${String(copy).padStart(2, '0')}${String(index).padStart(10, '0')}`;
      bodies.push(JSON.stringify(payload));
    }
  }
  const start = Date.now();
  let next = 0;
  const post = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const response = await fetch(`${verity.url}/api/verify/salesforce`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'bench-key' },
        body,
      });
      await response.arrayBuffer();
      if (response.status !== 202) throw new Error(`intake answered ${response.status}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, post));
  while (sink.received().length < bodies.length) {
    if (Date.now() - start > 300_000) throw new Error('end-to-end bench timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const seconds = (Date.now() - start) / 1000;
  await verity.stop();
  await sink.close();
  const rate = bodies.length / seconds;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  return [
    {
      name: '(c) end to end: verified and delivered per second',
      value: rate,
      unit: 'records/s',
      target: 'report',
      met: null,
      detail: `${bodies.length} records (${records.length} examples × ${copies}) over HTTP, 16 clients, delivered to a loopback sink in ${seconds.toFixed(1)} s`,
    },
    {
      name: '(c) peak RSS of the bench process',
      value: peakRssMb,
      unit: 'MB',
      target: 'report',
      met: null,
      detail: 'process.resourceUsage().maxRSS, verity and sink in one process',
    },
  ];
}
