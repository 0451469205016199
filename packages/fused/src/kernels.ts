import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const WASM = fileURLToPath(new URL('../build/kernels.wasm', import.meta.url));
let module: object | undefined;

/** Bytes at the start of the memory kept for the module's static data (math tables; 1,280 bytes in 0.28). */
export const RESERVED_BYTES = 65536;

/**
 * Instantiate the kernels over a new memory of `RESERVED_BYTES` plus at least `bytes` bytes (fixed size, so that
 * views never detach). The caller's buffers start at `RESERVED_BYTES`.
 */
export function instantiateKernels(bytes: number): { kernels: Kernels; memory: WasmMemory } {
  if (!module) {
    if (!existsSync(WASM)) throw new Error(`@prd/fused: ${WASM} is missing; build it with \`npm run build -w @prd/fused\` (npm ci does this)`);
    module = new wasm.Module(readFileSync(WASM));
  }
  const pages = Math.ceil((RESERVED_BYTES + bytes) / 65536) + 1;
  const memory = new wasm.Memory({ initial: pages, maximum: pages });
  const instance = new wasm.Instance(module, { env: { memory } });
  const kernels = instance.exports as unknown as Kernels;
  if (kernels.heapBase() > RESERVED_BYTES) throw new Error(`@prd/fused: the kernels' static data (${kernels.heapBase()} bytes) overlaps the buffers`);
  return { kernels, memory };
}
