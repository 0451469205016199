// Micro-benchmark of the fused step's matrix products: every gemm call of a training step of the seed model
// (conv1d-residual, 33 heights x 5 features, 3 conv layers of 32 filters, dense 165, 5 bands; batch 64), with the
// strides network.ts passes, then whole steps. Per kernel build, interleaved, CPU time of this (single) thread.
//   node packages/fused/scripts/gemm-bench.mjs [rounds=5] [variants=simd,relaxed-simd]
// Needs `npm run build -w @prd/fused`. Prints GFLOP/s: median over rounds of (calls x flop / CPU seconds).
import { instantiateKernels } from '../dist/kernels.js';
import { FusedTrainer } from '../dist/trainer.js';

const rounds = Number(process.argv[2] ?? 5);
const variants = (process.argv[3] ?? 'simd,relaxed-simd').split(',');
const B = 64, H = 33, F = 5, C = 32, D = 165, O = 5, R = B * H;
// [name, M, N, K, A row/col strides, B row/col strides, ldc]: as network.ts calls gemm.
const SHAPES = [
  ['conv1 fwd   col·W', R, C, 3 * F, [3 * F, 1], [C, 1], C],
  ['conv2 fwd   col·W', R, C, 3 * C, [3 * C, 1], [C, 1], C],
  ['dense fwd   X·W', B, D, H * C, [H * C, 1], [D, 1], D],
  ['out fwd     X·W', B, O, D, [D, 1], [O, 1], O],
  ['out dW      Xᵀ·dZ', D, O, B, [1, D], [O, 1], O],
  ['out dX      dZ·Wᵀ', B, D, O, [O, 1], [1, O], D],
  ['dense dW    Xᵀ·dZ', H * C, D, B, [1, H * C], [D, 1], D],
  ['dense dX    dZ·Wᵀ', B, H * C, D, [D, 1], [1, D], H * C],
  ['conv2 dW    colᵀ·dZ', 3 * C, C, R, [1, 3 * C], [C, 1], C],
  ['conv2 dcol  dZ·Wᵀ', R, 3 * C, C, [C, 1], [1, C], 3 * C],
  ['conv1 dW    colᵀ·dZ', 3 * F, C, R, [1, 3 * F], [C, 1], C],
];
// Calls per step of each shape (conv2 stands for conv2 and conv3).
const PER_STEP = [1, 2, 1, 1, 1, 1, 1, 1, 2, 2, 1];

function cpuSeconds(fn) {
  const t = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1e6;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function gemmRig(variant) {
  const maxFloats = 4 * 1024 * 1024;
  const { kernels, memory } = instantiateKernels(4 * (3 * maxFloats + 2 * 1024 * 1024), variant);
  const heap = new Float32Array(memory.buffer);
  const base = 65536;
  const a = base, b = a + 4 * maxFloats, c = b + 4 * maxFloats, pa = c + 4 * maxFloats, pb = pa + 4 * 1024 * 1024;
  for (let i = 0; i < 2 * maxFloats; i++) heap[a / 4 + i] = Math.random() - 0.5;
  kernels.setScratch(pa, pb, pb + 4 * 1024 * 1024 - 512);
  return (shape, calls) => {
    const [, M, N, K, [ars, acs], [brs, bcs], ldc] = shape;
    return cpuSeconds(() => {
      for (let i = 0; i < calls; i++) kernels.gemm(M, N, K, a, ars, acs, b, brs, bcs, c, ldc, 0);
    });
  };
}

function stepRig(variant) {
  const layers = [
    { type: 'conv1d', name: 'conv1d', filters: C, kernelSize: 3, useBias: false, activation: 'relu' },
    { type: 'conv1d', name: 'conv1d_1', filters: C, kernelSize: 3, useBias: false, activation: 'relu' },
    { type: 'conv1d', name: 'conv1d_2', filters: C, kernelSize: 3, useBias: false, activation: 'relu' },
    { type: 'add', name: 'add', from: 'conv1d' },
    { type: 'flatten', name: 'flatten' },
    { type: 'dense', name: 'dense', units: D, useBias: false, activation: 'relu' },
    { type: 'dense', name: 'main_output', units: O, useBias: true, activation: 'softmax' },
  ];
  const trainer = new FusedTrainer({ heights: H, profileFeatures: F, singleLevel: 0, layers }, B, 'kl-divergence', { type: 'adam' }, variant);
  const p = trainer.network.params;
  for (let i = 0; i < p.length; i++) p[i] = (Math.random() - 0.5) * 0.1;
  const batch = { size: B, profile: Float32Array.from({ length: B * H * F }, () => Math.random() - 0.5), singleLevel: new Float32Array(0), target: new Float32Array(B * O).fill(1 / O) };
  return (steps) => cpuSeconds(() => {
    for (let i = 0; i < steps; i++) trainer.step(batch, 1e-4);
  });
}

const flop = (s) => 2 * s[1] * s[2] * s[3];
const rigs = variants.map((v) => ({ v, gemm: gemmRig(v), step: stepRig(v), gf: SHAPES.map(() => []), steps: [] }));
// Warm-up: enough calls for V8 to tier every kernel up from Liftoff to TurboFan.
for (const r of rigs) {
  for (const s of SHAPES) r.gemm(s, 30);
  r.step(60);
}
for (let round = 0; round < rounds; round++) {
  for (const r of rigs) {
    SHAPES.forEach((s, i) => {
      const calls = Math.max(3, Math.round(2e8 / flop(s)));
      r.gf[i].push((calls * flop(s)) / r.gemm(s, calls) / 1e9);
    });
    r.steps.push(60 / r.step(60));
  }
}
const pad = (x, n) => String(x).padEnd(n);
console.log(pad('product (M x N x K)', 40) + rigs.map((r) => pad(r.v, 14)).join('') + (rigs.length === 2 ? 'ratio' : ''));
SHAPES.forEach((s, i) => {
  const g = rigs.map((r) => median(r.gf[i]));
  console.log(pad(`${s[0]} ${s[1]}x${s[2]}x${s[3]}${PER_STEP[i] > 1 ? ` (x${PER_STEP[i]})` : ''}`, 40) + g.map((x) => pad(x.toFixed(1), 14)).join('') + (g.length === 2 ? (g[1] / g[0]).toFixed(2) : ''));
});
const stepFlop = SHAPES.reduce((t, s, i) => t + PER_STEP[i] * flop(s), 0);
const sps = rigs.map((r) => median(r.steps));
console.log(pad(`whole step, samples per CPU-s (gemm ${(stepFlop / 1e6).toFixed(0)} MFLOP)`, 40) + sps.map((x) => pad((x * B).toFixed(0), 14)).join('') + (sps.length === 2 ? (sps[1] / sps[0]).toFixed(2) : ''));
