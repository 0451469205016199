import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

/** The exports of assembly/kernels.ts; every pointer is a byte offset into the shared memory. */
export interface Kernels {
  setScratch(packA: number, packB: number, tile: number): void;
  gemm(M: number, N: number, K: number, a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number, ldc: number, accumulate: number): void;
  im2col(x: number, B: number, H: number, F: number, K: number, pad: number, out: number): void;
  col2imAdd(dcol: number, B: number, H: number, F: number, K: number, pad: number, dx: number): void;
  addInto(y: number, x: number, n: number): void;
  addTo(out: number, a: number, b: number, n: number): void;
  mulInto(y: number, x: number, n: number): void;
  addBias(y: number, rows: number, cols: number, bias: number): void;
  columnSums(d: number, rows: number, cols: number, out: number): void;
  activate(y: number, n: number, kind: number): void;
  activateGrad(dy: number, y: number, n: number, kind: number): void;
  zero(p: number, n: number): void;
  heapBase(): number;
  adam(w: number, g: number, m: number, v: number, n: number, lr: number, oneMinusBeta1: number, oneMinusBeta2: number, eps: number): void;
  sgd(w: number, g: number, a: number, n: number, lr: number, momentum: number): void;
}

// The WebAssembly API, typed here because the project's lib settings (es2023, no DOM) do not declare it.
interface WasmMemory {
  buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
  Instance: new (module: object, imports: object) => { exports: object };
  validate(bytes: Uint8Array): boolean;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/**
 * The two builds of assembly/kernels.ts: `relaxed-simd` uses `f32x4.relaxed_madd` (one fused multiply-add where the
 * CPU has FMA) in the matrix products; `simd` is plain 128-bit SIMD, for engines without relaxed SIMD.
 */
export type KernelVariant = 'relaxed-simd' | 'simd';

const WASM: Record<KernelVariant, string> = {
  'relaxed-simd': fileURLToPath(new URL('../build/kernels-relaxed.wasm', import.meta.url)),
  simd: fileURLToPath(new URL('../build/kernels.wasm', import.meta.url)),
};
const modules = new Map<KernelVariant, object>();

/** `(func (param v128 v128 v128) (result v128) (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))`. */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20,
  0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b,
]);

let chosen: KernelVariant | undefined;

/**
 * The build this process uses: `PRD_FUSED_KERNELS` (`simd` or `relaxed-simd`) when set, else `relaxed-simd` where
 * the engine validates a relaxed-SIMD module. Node 20's V8 (11.3) has relaxed SIMD behind
 * `--experimental-wasm-relaxed-simd` (on by default from V8 11.4, Node 22); the flag is then set here, at the first
 * use of the fused runtime and nowhere else. It is process-wide, but it only lets V8 accept the relaxed-SIMD opcodes
 * in modules compiled afterwards: no other module of the process uses them, and nothing already compiled changes.
 */
export function kernelVariant(): KernelVariant {
  if (chosen) return chosen;
  const forced = process.env.PRD_FUSED_KERNELS;
  if (forced !== undefined && forced !== '') {
    if (forced !== 'simd' && forced !== 'relaxed-simd') throw new Error(`@prd/fused: PRD_FUSED_KERNELS is "${forced}"; set it to "simd" or "relaxed-simd", or unset it`);
    if (forced === 'relaxed-simd' && !relaxedSimdAvailable()) throw new Error('@prd/fused: PRD_FUSED_KERNELS is "relaxed-simd", but this engine does not validate relaxed SIMD; unset it');
    chosen = forced;
  } else chosen = relaxedSimdAvailable() ? 'relaxed-simd' : 'simd';
  return chosen;
}

let relaxed: boolean | undefined;

function relaxedSimdAvailable(): boolean {
  if (relaxed === undefined) {
    relaxed = wasm.validate(RELAXED_SIMD_PROBE);
    if (!relaxed) {
      setFlagsFromString('--experimental-wasm-relaxed-simd');
      relaxed = wasm.validate(RELAXED_SIMD_PROBE);
    }
  }
  return relaxed;
}

/** Bytes at the start of the memory kept for the module's static data (math tables; 1,280 bytes in 0.28). */
export const RESERVED_BYTES = 65536;

/**
 * Instantiate the kernels (`variant`, by default {@link kernelVariant}'s) over a new memory of `RESERVED_BYTES` plus
 * at least `bytes` bytes (fixed size, so that views never detach). The caller's buffers start at `RESERVED_BYTES`.
 */
export function instantiateKernels(bytes: number, variant: KernelVariant = kernelVariant()): { kernels: Kernels; memory: WasmMemory } {
  let module = modules.get(variant);
  if (!module) {
    if (variant === 'relaxed-simd' && !relaxedSimdAvailable()) throw new Error('@prd/fused: this engine does not validate relaxed SIMD; use the "simd" kernels');
    const file = WASM[variant];
    if (!existsSync(file)) throw new Error(`@prd/fused: ${file} is missing; build it with \`npm run build -w @prd/fused\` (npm ci does this)`);
    module = new wasm.Module(readFileSync(file));
    modules.set(variant, module);
  }
  const pages = Math.ceil((RESERVED_BYTES + bytes) / 65536) + 1;
  const memory = new wasm.Memory({ initial: pages, maximum: pages });
  const instance = new wasm.Instance(module, { env: { memory } });
  const kernels = instance.exports as unknown as Kernels;
  if (kernels.heapBase() > RESERVED_BYTES) throw new Error(`@prd/fused: the kernels' static data (${kernels.heapBase()} bytes) overlaps the buffers`);
  return { kernels, memory };
}
