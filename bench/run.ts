import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDiagnosisQualityBench } from './diagnosis-quality.ts';
import { runHealingBench } from './healing-bench.ts';
import { benchLlmHeal } from './llm-bench.ts';
import {
  type BenchFigure,
  benchEndToEnd,
  benchEngine,
  benchIntake,
  loadExampleRecords,
} from './verification-bench.ts';

/** `npm run bench`: every figure beside its target; ratios are measured against a baseline in the same run. */
function print(figures: readonly BenchFigure[]): void {
  const rows = figures.map((figure) => [
    figure.name,
    `${figure.value >= 100 ? figure.value.toFixed(0) : figure.value.toFixed(2)} ${figure.unit}`,
    figure.target,
    figure.met === null ? '' : figure.met ? 'met' : 'MISSED',
  ]);
  const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => row[column]!.length), 6));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ');
  console.log(line(['figure', 'value', 'target', '']));
  for (const row of rows) console.log(line(row));
  console.log();
  for (const figure of figures) console.log(`  ${figure.name}: ${figure.detail}`);
}

const dir = mkdtempSync(join(tmpdir(), 'verity-bench-'));
try {
  const records = loadExampleRecords();
  const figures: BenchFigure[] = [];
  console.error('bench: verification engine ...');
  figures.push(benchEngine(records));
  console.error('bench: intake throughput ...');
  const disposal = records.find((record) => record.payload.SF_Catalog_Name === 'IE101WC')!;
  figures.push(await benchIntake(disposal.payload, dir));
  console.error('bench: end to end ...');
  figures.push(...(await benchEndToEnd(records, dir)));
  console.error('bench: diagnosis quality ...');
  const quality = await runDiagnosisQualityBench();
  const figure = (name: string, value: number, target: number | null, detail: string): BenchFigure => ({
    name,
    value,
    unit: '',
    target: target === null ? 'baseline' : `≥ ${target}`,
    met: target === null ? null : value >= target,
    detail,
  });
  const labelled = `${quality.cases} labelled keys (bench/data/labelled-keys.json)`;
  figures.push(
    figure('(d) built-in pair precision', quality.pair.precision, 0.98, labelled),
    figure('(d) built-in pair recall', quality.pair.recall, 0.85, labelled),
    figure('(d) Levenshtein baseline precision', quality.baseline.precision, null, 'similarity ≥ 0.8'),
    figure('(d) Levenshtein baseline recall', quality.baseline.recall, null, 'similarity ≥ 0.8'),
  );
  console.error('bench: healing with 10,000 stored jobs ...');
  figures.push(...(await runHealingBench()));
  console.error('bench: heals with OpenAI and xAI stand-ins (200 ms per answer) ...');
  figures.push(...(await benchLlmHeal(dir)));
  console.log();
  print(figures);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
