import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PrdError } from '../../errors.js';
import { parquetRelation } from '../../data/engine.js';
import { TensorFile } from '../../data/tensor-file.js';
import type { ExplainOutcome, MetricTree, ModelShape, SplitName } from '../../plugin/contract.js';
import type { StepEnv, PreparedData } from '../context.js';

/** Merge metric trees; a leaf set twice is an error naming the metric, so two evaluators cannot silently collide. */
export function mergeMetrics(target: MetricTree, source: MetricTree, path: string[] = []): MetricTree {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (value !== null && typeof value === 'object' && existing !== null && typeof existing === 'object' && existing !== undefined) {
      mergeMetrics(existing, value, [...path, key]);
    } else if (existing !== undefined) {
      throw new PrdError(`two evaluators both report the metric ${[...path, key].join(' -> ')}; remove one of them from "evaluate"`);
    } else {
      target[key] = value;
    }
  }
  return target;
}

/**
 * The evaluate step: every evaluator on every split that has predictions; `metrics[split][metric]...`. Evaluators
 * write larger outputs (per-grid-cell tables) under `filesDir/<split>/` when it is given.
 */
export async function runEvaluate(env: StepEnv, data: PreparedData, predictDir: string, filesDir?: string): Promise<MetricTree> {
  const metrics: MetricTree = {};
  for (const split of ['validation', 'test'] satisfies SplitName[]) {
    const file = join(predictDir, `${split}.parquet`);
    if (!existsSync(file)) continue;
    const splitMetrics: MetricTree = {};
    const outDir = filesDir ? join(filesDir, split) : undefined;
    if (outDir) mkdirSync(outDir, { recursive: true });
    for (const evaluator of env.instances.evaluators) {
      const tree = await evaluator.instance.evaluate({ split, predictions: parquetRelation(file), features: data.features, engine: env.engine, outDir });
      mergeMetrics(splitMetrics, tree);
    }
    metrics[split] = splitMetrics;
  }
  return metrics;
}

/** The explain step: every explainer, each writing into its own folder. */
export async function runExplain(env: StepEnv, data: PreparedData, scaleDir: string, modelDir: string, shape: ModelShape, outDir: string): Promise<Record<string, ExplainOutcome>> {
  const outcomes: Record<string, ExplainOutcome> = {};
  const test = TensorFile.open(join(scaleDir, 'test.f32'));
  for (const explainer of env.instances.explainers) {
    const dir = join(outDir, explainer.use);
    mkdirSync(dir, { recursive: true });
    outcomes[explainer.use] = await explainer.instance.explain({ modelDir, test, features: data.features, shape, outDir: dir, events: env.events, signal: env.signal });
  }
  return outcomes;
}
