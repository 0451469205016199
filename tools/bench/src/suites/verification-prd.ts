// The prd side of the verification benchmark, run in its own process so its peak memory is its own:
// load predictions.csv into the engine and score FSS for every threshold and aggregation with the fss evaluator.
// Usage: node verification-prd.js PREDICTIONS_CSV FEATURES_JSON REPETITIONS  -> one JSON line on stdout.
import { DataEngine, literal, RunEvents, type Evaluator, type MetricTree, type ResolvedFeatures } from '@prd/core';
import evaluators from '@prd/evaluators-precip';

/** One repetition: seconds to load the CSV, seconds to score, and the scores. */
async function once(path: string, features: ResolvedFeatures): Promise<{ load: number; score: number; tree: MetricTree }> {
  const engine = await DataEngine.open({ memoryLimit: '1GB' });
  try {
    const start = performance.now();
    // Times stay text, as pandas keeps them (object / str columns).
    await engine.run(`CREATE TABLE predictions AS SELECT * FROM read_csv(${literal(path)}, header = true, types = {'time': 'VARCHAR'})`);
    const loaded = performance.now();
    const plugin = evaluators.find((p) => p.name === 'fss')!;
    const options = { aggregations: ['members', 'ensemble_mean', 'control'], perCell: [], memberColumn: 'realization', controlMember: 0, cellColumns: ['latitude', 'longitude'] };
    const fss = (await plugin.create(options, { seed: 0, baseDir: '.', pointer: '/evaluate/0', events: new RunEvents(), tempDir: '.' })) as Evaluator;
    const tree = await fss.evaluate({ split: 'test', predictions: { sql: 'SELECT * FROM predictions' }, features, engine });
    return { load: (loaded - start) / 1000, score: (performance.now() - loaded) / 1000, tree };
  } finally {
    engine.close();
  }
}

const [path, featuresJson, repetitions] = process.argv.slice(2);
const features = JSON.parse(featuresJson) as ResolvedFeatures;
const load: number[] = [];
const score: number[] = [];
let tree: MetricTree = {};
for (let i = 0; i < Number(repetitions); i++) {
  const result = await once(path, features);
  load.push(result.load);
  score.push(result.score);
  tree = result.tree;
}
process.stdout.write(`${JSON.stringify({ load, score, fss: tree, peak_rss_mib: process.resourceUsage().maxRSS / 1024 })}\n`);
