import { describe, expect, it } from 'vitest';
import { trainingRows, type SideResult } from './training-rows.js';

const side = (mode: string, runtime: string, rates: number[]): SideResult => ({ mode, runtime, samplesPerSecond: rates, cpuSamplesPerSecond: rates.map((r) => r * 2), peakRssMiB: 100 });

describe('training rows', () => {
  it('compares fused and native with the wasm step and Keras at their batch size, per repetition too', () => {
    const sides = new Map([side('prd-fused', 'fused', [300, 330, 360]), side('prd-fused-threads', 'fused x2', [500, 520, 480]), side('prd-native', 'tfjs-node', [200, 260, 240]), side('prd-wasm', 'tfjs-wasm', [100, 130, 120])].map((s) => [s.mode, s]));
    const keras = { samples_per_second: [400, 500, 600], cpu_samples_per_second: [800, 1000, 1200], parameters: 181694, tensorflow: '2.21.0', intra_op_threads: 0 };
    const rows = trainingRows({ batch: 256, modes: ['prd-fused', 'prd-fused-threads', 'prd-native', 'prd-wasm'], sides, keras, rows: { fast: 1000, slow: 10 } });
    const nativeVsWasm = rows.find((r) => r.name === 'seed model training, batch 256, tfjs-node vs prd tfjs-wasm (samples/s)');
    expect(nativeVsWasm?.ratio).toBe(2);
    expect(nativeVsWasm?.note).toBe('ratio per repetition: 2.00, 2.00, 2.00');
    const nativeVsKeras = rows.find((r) => r.name === 'seed model training, batch 256, tfjs-node vs Keras (samples/s)');
    expect(nativeVsKeras?.ratio).toBeCloseTo(0.48, 10);
    expect(nativeVsKeras?.note).toContain('ratio per repetition: 0.50, 0.52, 0.40');
    // the wasm step is the reference of the native and fused rows, never compared with itself
    expect(rows.filter((r) => r.name.includes('vs prd tfjs-wasm (samples/s)')).map((r) => r.name.split(', ')[2])).toEqual(['fused vs prd tfjs-wasm (samples/s)', 'fused x2 (data-parallel) vs prd tfjs-wasm (samples/s)', 'tfjs-node vs prd tfjs-wasm (samples/s)']);
    // both fused sides per CPU-second against the wasm step
    expect(rows.filter((r) => r.name.endsWith('vs prd tfjs-wasm (tfjs step) (samples per CPU-second)')).map((r) => r.ratio?.toFixed(2))).toEqual(['2.75', '4.17']);
    // no Keras-on-1-thread or stock rows without their measurements
    expect(rows.some((r) => r.name.includes('1 thread') || r.name.includes('stock'))).toBe(false);
  });
});
