import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricTree, PluginKind } from '../../plugin/contract.js';
import { required, type Instance } from '../context.js';
import { defineStep, dirOf, maybeResultOf, resultOf, type AnyStepDef, type GraphContext, type StepName } from '../graph.js';
import { pluginKey } from '../keys.js';
import { dataSummary } from '../data-summary.js';
import { writeModelContract } from '../model-contract.js';
import { copyIntoRun, readHistory, writePredictionsCsv } from '../outputs.js';
import { featuresFromPreprocessing, type Preprocessing } from '../preprocessing.js';
import { runEvaluate, runExplain } from './evaluate.js';
import { givenModelData, writeGivenModelTensors } from './given.js';
import { runPredict } from './predict.js';
import { loadData, transformData } from './prepare.js';
import { runScale } from './scale.js';
import { labelledRows } from './split-labels.js';
import { runRebalance, runSplit } from './split.js';
import { runTrain, shapeOf, trainJobOf } from './train.js';

const key = (g: GraphContext, kind: PluginKind, i: Instance<unknown>) => pluginKey(g.env.registry, kind, i);
const keys = (g: GraphContext, kind: PluginKind, list: Instance<unknown>[]) => list.map((i) => key(g, kind, i));
const names = (list: Array<{ use: string }>) => list.map((i) => i.use).join(', ');

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

function preprocessingOf(g: GraphContext): Preprocessing {
  return JSON.parse(readFileSync(join(dirOf(g, 'scale'), 'preprocessing.json'), 'utf8')) as Preprocessing;
}

function run(g: GraphContext) {
  if (!g.run) throw new Error('this step needs a run directory');
  return g.run;
}

/** Why a step does not apply when a given model is applied to data. */
const GIVEN = 'a given model is applied to the data';

/** Every step of a run, in order. Each is declared here once; see graph.ts for what a declaration holds. */
export const STEPS: readonly AnyStepDef[] = [
  defineStep({
    name: 'load',
    reads: [],
    cached: false,
    plannable: true,
    detail: (env) => env.instances.source.use,
    key: (g) => ({ source: key(g, 'source', g.env.instances.source), domain: key(g, 'domain', g.env.instances.domain), features: g.env.spec }),
    // The source's fingerprint (paths, sizes, times or content) stands for the data.
    outputFacts: (value) => ({ fingerprint: value.source.fingerprint }),
    run: (g) => loadData(g.env),
    summary: (value) => ({ source: value.source.description }),
    publish: (g, result) => {
      if (g.manifest) g.manifest.data = { fingerprint: result.value.source.fingerprint, description: result.value.source.description };
    },
  }),
  defineStep({
    name: 'transform',
    reads: ['load'],
    cached: false,
    plannable: true,
    key: (g) => ({ transforms: keys(g, 'transform', g.env.instances.transforms), given: g.given ? { truth: g.given.requireTruth, features: g.given.preprocessing } : null }),
    run: (g) => {
      const loaded = resultOf(g, 'load').value;
      if (!g.given) return transformData(g.env, loaded, g.run !== undefined);
      return givenModelData(g.env.engine, g.env.events, loaded.source, featuresFromPreprocessing(g.given.preprocessing), g.given.requireTruth, g.env.instances.domain.instance);
    },
    summary: () => ({}),
    detail: (env) => names(env.instances.transforms) || 'none',
  }),
  defineStep({
    name: 'split',
    reads: ['transform'],
    cached: true,
    skip: (g) => (g.given ? GIVEN : undefined),
    detail: (env) => env.instances.sampler?.use,
    key: (g) => ({ sampler: key(g, 'sampler', required(g.env.instances.sampler, 'sampler')), seed: g.env.seed }),
    run: async (g, dir) => ({ rows: await runSplit(g.env, resultOf(g, 'transform').value, dir) }),
  }),
  defineStep({
    name: 'rebalance',
    // The split's labels name rows of the transformed data, which is read again here: both digests are in the key.
    reads: ['transform', 'split'],
    cached: true,
    detail: (env) => env.instances.rebalancer?.use,
    skip: (g) => (g.given ? GIVEN : g.env.instances.rebalancer ? undefined : 'no "rebalance" in the recipe'),
    key: (g) => ({ rebalancer: key(g, 'rebalancer', g.env.instances.rebalancer!), seed: g.env.seed }),
    run: async (g, dir) => ({ rows: await runRebalance(g.env, resultOf(g, 'transform').value, dirOf(g, 'split'), dir) }),
  }),
  defineStep({
    name: 'scale',
    reads: ['transform', 'split', 'rebalance'],
    cached: true,
    key: (g) => ({ seed: g.env.seed, scaler: (g.given ?? g.from)?.preprocessing.scaler ?? null }),
    run: async (g, dir) => {
      const data = resultOf(g, 'transform').value;
      if (!g.given) return runScale(g.env, data, dirOf(g, 'split'), maybeResultOf(g, 'rebalance')?.dir, dir, g.from?.preprocessing.scaler);
      const { rows, layout, task, dropped } = await writeGivenModelTensors(g.env.engine, g.env.events, data, g.given.preprocessing, dir);
      return { rows, layout, task, dropped };
    },
    publish: async (g, result) => {
      if (g.manifest?.data) g.manifest.data.rows = result.value.rows;
      if (g.given || !g.run) return;
      // The data figures' numbers (bands per split, before and after rebalancing); a failure loses figures, never the run.
      const summary = await dataSummary(g.env.engine, labelledRows(dirOf(g, 'split')), maybeResultOf(g, 'rebalance')?.dir, resultOf(g, 'transform').value.features).catch((error: unknown) => {
        g.env.events.log(`no data summary: ${(error as Error).message}`, 'warn');
        return undefined;
      });
      if (summary) g.run.writeJson('data-summary.json', summary);
    },
  }),
  defineStep({
    name: 'train',
    reads: ['scale'],
    cached: true,
    detail: (env) => `${env.instances.model?.use ?? 'the given model'} on ${env.instances.backend.instance.describe()}`,
    key: (g) =>
      g.given
        ? { given: g.given.digest }
        : { model: key(g, 'model', required(g.env.instances.model, 'model')), backend: key(g, 'backend', g.env.instances.backend), train: g.env.train, seed: g.env.seed, from: g.from?.digest ?? null },
    run: async (g, dir) => {
      if (g.given) {
        // The model is this step's output: later steps read it from the entry, like a model trained here.
        cpSync(g.given.modelDir, join(dir, 'model'), { recursive: true });
        return { given: g.given.source };
      }
      const scale = resultOf(g, 'scale');
      const job = { ...trainJobOf(g.env, dirOf(g, 'scale'), scale.value, join(dir, 'model'), run(g).path('checkpoints'), g.resume), ...(g.from ? { initialWeights: g.from.modelDir } : {}) };
      const { history, ...outcome } = await runTrain(g.env, job, dirOf(g, 'scale'), g.worker);
      writeJson(join(dir, 'history.json'), history);
      return outcome;
    },
    publish: (g, result) => {
      if ('given' in result.value) {
        copyIntoRun(run(g), join(result.dir!, 'model'), 'model');
        return;
      }
      const history = readHistory(result.dir!);
      if (g.manifest) g.manifest.training = { ...result.value };
      copyIntoRun(run(g), join(result.dir!, 'model'), 'model');
      // The run's copy of the model says what it is, who wrote it and where it came from (the cached entry is shared
      // by every run that reuses it, so lineage is written here, not into the entry).
      if (g.manifest) {
        const m = g.manifest;
        writeModelContract(run(g).path('model'), {
          prdVersion: m.runtime.prd,
          plugins: Object.fromEntries(m.plugins.map((p) => [p.package, p.version])),
          lineage: { runId: m.runId, recipe: m.recipe.file, ...(g.resume ? { resumedFrom: m.runId } : {}), ...(g.from ? { forkedFrom: g.from.source } : {}) },
        });
      }
      run(g).writeHistory(history);
      // Trackers get the whole history, whether the epochs ran live, before a resume, or in a cached run.
      for (const record of history) if (!g.sentEpochs.has(record.epoch)) g.trackers?.epochEnded(record);
    },
  }),
  defineStep({
    name: 'predict',
    reads: ['scale', 'train'],
    cached: true,
    skip: (g) => {
      const rows = resultOf(g, 'scale').value.rows;
      return rows.validation + rows.test === 0 ? 'no validation or test rows' : undefined;
    },
    key: (g) => ({ backend: key(g, 'backend', g.env.instances.backend) }),
    run: async (g, dir) => ({ rows: await runPredict(g.env, dirOf(g, 'scale'), join(dirOf(g, 'train'), 'model'), preprocessingOf(g), dir) }),
    publish: async (g, result) => {
      const test = join(result.dir!, 'test.parquet');
      if (existsSync(test)) await writePredictionsCsv(g.env.engine, test, preprocessingOf(g), run(g).path('predictions.csv'));
    },
  }),
  defineStep({
    name: 'evaluate',
    reads: ['transform', 'predict'],
    cached: true,
    detail: (env) => names(env.instances.evaluators),
    skip: (g) => (g.results.predict && 'skipped' in g.results.predict ? g.results.predict.skipped : g.env.instances.evaluators.length === 0 ? 'no "evaluate" in the recipe' : undefined),
    key: (g) => ({ evaluators: keys(g, 'evaluator', g.env.instances.evaluators) }),
    run: async (g, dir) => {
      const metrics = await runEvaluate(g.env, resultOf(g, 'transform').value, dirOf(g, 'predict'), join(dir, 'evaluation'));
      writeJson(join(dir, 'metrics.json'), metrics);
      return { splits: Object.keys(metrics) };
    },
    publish: (g, result) => {
      g.metrics = JSON.parse(readFileSync(join(result.dir!, 'metrics.json'), 'utf8')) as MetricTree;
      run(g).writeJson('metrics.json', g.metrics);
      copyIntoRun(run(g), join(result.dir!, 'evaluation'), 'evaluation');
    },
  }),
  defineStep({
    name: 'explain',
    reads: ['transform', 'scale', 'train'],
    cached: true,
    detail: (env) => names(env.instances.explainers),
    // A given model is explained when explainers were asked for (`prd explain`), like a model trained here.
    skip: (g) =>
      g.env.instances.explainers.length === 0 ? (g.given ? GIVEN : 'no "explain" in the recipe') : resultOf(g, 'scale').value.rows.test === 0 ? 'no test rows' : undefined,
    key: (g) => ({ explainers: keys(g, 'explainer', g.env.instances.explainers), seed: g.env.seed }),
    run: async (g, dir) => {
      const scale = resultOf(g, 'scale').value;
      const outcomes = await runExplain(g.env, resultOf(g, 'transform').value, dirOf(g, 'scale'), join(dirOf(g, 'train'), 'model'), shapeOf(scale, scale.task), dir);
      // Each explainer's summary, by name: what `prd explain` prints.
      writeJson(join(dir, 'explanations.json'), Object.fromEntries(Object.entries(outcomes).map(([name, outcome]) => [name, outcome.summary])));
      return { explainers: Object.keys(outcomes) };
    },
    publish: (g, result) => copyIntoRun(run(g), result.dir!, 'explain'),
  }),
  defineStep({
    name: 'report',
    reads: [],
    cached: false,
    skip: (g) => (g.report ? undefined : 'no report renderer was given'),
    key: () => ({}),
    run: async (g) => ({ files: (await g.report!()).length }),
  }),
];

/** The names of the steps, in order. */
export const STEP_NAMES: readonly StepName[] = STEPS.map((s) => s.name);
