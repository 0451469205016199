// Where the time of a data-parallel fused step goes: the seed model (conv1d-residual, 33 heights x 5 features,
// 181,694 parameters, KL divergence, Adam) on one thread, then on 1 + `workers` threads, with the main thread's
// share split into its own shard's gradient, adding the workers' gradients, the Adam update, and the rest (copies
// and waiting for the workers). Wall-clock, after a warm-up; run it on an idle machine.
//   node packages/fused/scripts/replicas-bench.mjs [batch=64] [workers=1] [steps=300]
// Needs `npm run build -w @prd/fused`.
import { FusedReplicas, FusedTrainer } from '../dist/index.js';

const batchRows = Number(process.argv[2] ?? 64);
const workers = Number(process.argv[3] ?? 1);
const steps = Number(process.argv[4] ?? 300);
const conv = (name) => ({ type: 'conv1d', name, filters: 32, kernelSize: 3, useBias: false, activation: 'relu' });
const ARCHITECTURE = {
  heights: 33,
  profileFeatures: 5,
  singleLevel: 0,
  layers: [conv('conv1d'), conv('conv1d_1'), conv('conv1d_2'), { type: 'add', name: 'add', from: 'conv1d' }, { type: 'flatten', name: 'flatten' }, { type: 'dense', name: 'dense', units: 165, useBias: false, activation: 'relu' }, { type: 'dense', name: 'main_output', units: 5, useBias: true, activation: 'softmax' }],
};
const batch = { size: batchRows, profile: Float32Array.from({ length: batchRows * 165 }, () => Math.random() - 0.5), singleLevel: new Float32Array(0), target: new Float32Array(batchRows * 5).fill(0.2) };
const trainer = () => {
  const t = new FusedTrainer(ARCHITECTURE, batchRows, 'kl-divergence', { type: 'adam' });
  t.network.params.forEach((_, i, a) => (a[i] = (Math.random() - 0.5) * 0.05));
  return t;
};

const single = trainer();
for (let i = 0; i < 30; i++) single.step(batch, 1e-4);
let started = performance.now();
for (let i = 0; i < steps; i++) single.step(batch, 1e-4);
const singleMs = (performance.now() - started) / steps;

const main = trainer();
const spent = { gradient: 0, addGradient: 0, update: 0 };
const timed = (owner, name) => {
  const fn = owner[name].bind(owner);
  owner[name] = (...args) => {
    const t = performance.now();
    const result = fn(...args);
    spent[name] += performance.now() - t;
    return result;
  };
};
timed(main, 'gradient');
timed(main, 'update');
timed(main.network, 'addGradient');
const replicas = await FusedReplicas.start(main, workers, batchRows);
for (let i = 0; i < 30; i++) await replicas.trainBatch(batch, 1e-4);
for (const k of Object.keys(spent)) spent[k] = 0;
started = performance.now();
for (let i = 0; i < steps; i++) await replicas.trainBatch(batch, 1e-4);
const parallelMs = (performance.now() - started) / steps;
await replicas.close();

const ms = (v) => `${v.toFixed(2)} ms`;
const per = (k) => spent[k] / steps;
console.log(`batch ${batchRows}: 1 thread ${ms(singleMs)} per step (${((batchRows * 1000) / singleMs).toFixed(0)} samples/s); ${replicas.count} threads ${ms(parallelMs)} (${((batchRows * 1000) / parallelMs).toFixed(0)} samples/s, ${(singleMs / parallelMs).toFixed(2)}x)`);
console.log(`  main thread: own shard ${ms(per('gradient'))}, adding gradients ${ms(per('addGradient'))}, update ${ms(per('update'))}, copies and waiting ${ms(parallelMs - per('gradient') - per('addGradient') - per('update'))}`);
