import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writePredictions } from '../../data/predictions.js';
import { TensorFile } from '../../data/tensor-file.js';
import type { SplitName } from '../../plugin/contract.js';
import type { Preprocessing } from '../preprocessing.js';
import type { StepEnv } from '../context.js';
import { readModelFormat } from '../mlmodel.js';

/** ML output column names: `ml_fraction_in_band_instant_{key}` per band, or `ml_{target}` for regression. */
export function mlColumns(preprocessing: Pick<Preprocessing, 'bands' | 'prefixes' | 'task'>): string[] {
  if (preprocessing.task !== 'bands') return [preprocessing.prefixes.ml];
  return preprocessing.bands.map((b) => `${preprocessing.prefixes.ml}_${b.key}`);
}

/** The predict step: apply the trained model to the validation and test rows and write `<split>.parquet`. */
export async function runPredict(env: StepEnv, scaleDir: string, modelDir: string, preprocessing: Preprocessing, outDir: string): Promise<Partial<Record<'validation' | 'test', number>>> {
  const rows: Partial<Record<'validation' | 'test', number>> = {};
  const format = readModelFormat(modelDir);
  for (const split of ['validation', 'test'] satisfies SplitName[]) {
    const tensorPath = join(scaleDir, `${split}.f32`);
    if (!existsSync(tensorPath)) continue;
    const input = TensorFile.open(tensorPath);
    if (input.rows === 0) continue;
    const outputs = await env.instances.backend.instance.predict({ modelDir, format, input, batchSize: Math.max(env.train.batchSize, 1024), events: env.events, signal: env.signal });
    rows[split] = await writePredictions(env.engine, join(scaleDir, `${split}.meta.parquet`), outputs, mlColumns(preprocessing), join(outDir, `${split}.parquet`));
  }
  return rows;
}
