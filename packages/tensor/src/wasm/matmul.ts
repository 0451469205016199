import * as tf from '@tensorflow/tfjs-core';

/**
 * Fast matrix products with a transposed operand on tfjs-wasm.
 *
 * tfjs-wasm sends any product with `transposeA`/`transposeB` to a plain blocked loop, about 15x slower than its
 * XNNPACK path, and backpropagation through dense layers asks for exactly those products. XNNPACK's path treats
 * the second operand as constant weights and packs it on every call with a new tensor, which costs about as much
 * as a transpose. So each transposed product is rewritten into a plain one, choosing between
 *   A·Bᵀ = plain(A, transpose(B))           and  A·Bᵀ = transpose(plain(B, transpose(A)))
 *   Aᵀ·B = plain(transpose(A), B)           and  Aᵀ·B = transpose(plain(transpose(B), A))
 * by the number of elements transposed and packed. Both `BatchMatMul` and `_FusedMatMul` (dense layers, whose
 * gradient calls `matMul` with transpose flags) are wrapped; fused products keep their bias and activation and
 * only use the first form.
 */
export function installFastTransposedMatMul(): void {
  wrap(tf.BatchMatMul, false);
  wrap(tf._FusedMatMul, true);
}

type KernelFunc = tf.KernelConfig['kernelFunc'];
type DisposingBackend = tf.KernelBackend & { disposeData(id: tf.DataId): boolean };
interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** Elements moved by each way of computing a product with a transposed operand; lower is faster. */
export function transposedProductPlan(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean): 'direct' | 'swapped' {
  const r = aShape.length;
  const batch = aShape.slice(0, -2).reduce((p, d) => p * d, 1);
  const [m, k] = transposeA ? [aShape[r - 1], aShape[r - 2]] : [aShape[r - 2], aShape[r - 1]];
  const n = transposeB ? bShape[bShape.length - 2] : bShape[bShape.length - 1];
  // direct: transpose the flagged operand(s), pack B (k x n). swapped: compute (Bᵀ·Aᵀ)ᵀ, packing Aᵀ (k x m).
  const direct = (transposeA ? m * k : 0) + (transposeB ? k * n : 0) + k * n;
  const swapped = (transposeA ? 0 : m * k) + (transposeB ? 0 : k * n) + k * m + m * n;
  return batch === 1 && swapped < direct ? 'swapped' : 'direct';
}

const WRAPPED = new Set<string>();

function wrap(kernelName: string, fused: boolean): void {
  if (WRAPPED.has(kernelName)) return;
  const original = tf.getKernel(kernelName, 'wasm');
  if (!original) throw new Error(`tfjs-wasm has no ${kernelName} kernel to wrap`);
  const transposeKernel = tf.getKernel(tf.Transpose, 'wasm');
  if (!transposeKernel) throw new Error('tfjs-wasm has no Transpose kernel');
  const inner = original.kernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const attrs = args.attrs as unknown as MatMulAttrs;
    if (!attrs.transposeA && !attrs.transposeB) return inner(args);
    const backend = args.backend as DisposingBackend;
    const made: tf.TensorInfo[] = [];
    const flip = (t: tf.TensorInfo): tf.TensorInfo => {
      const rank = t.shape.length;
      const perm = Array.from({ length: rank }, (_, i) => i);
      [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
      const out = transposeKernel.kernelFunc({ inputs: { x: t }, backend, attrs: { perm } as unknown as tf.NamedAttrMap }) as tf.TensorInfo;
      made.push(out);
      return out;
    };
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const plain = { ...args.attrs, transposeA: false, transposeB: false } as unknown as tf.NamedAttrMap;
    let result: tf.TensorInfo;
    if (!fused && transposedProductPlan(a.shape, b.shape, attrs.transposeA, attrs.transposeB) === 'swapped') {
      // (op(A)·op(B))ᵀ = op(B)ᵀ·op(A)ᵀ: the operands swap and each flag flips.
      const left = attrs.transposeB ? b : flip(b);
      const right = attrs.transposeA ? a : flip(a);
      const product = inner({ inputs: { a: left, b: right }, backend, attrs: plain }) as tf.TensorInfo;
      made.push(product);
      result = flip(product);
      made.pop();
    } else {
      const inputs = { ...args.inputs, a: attrs.transposeA ? flip(a) : a, b: attrs.transposeB ? flip(b) : b };
      result = inner({ inputs, backend, attrs: plain }) as tf.TensorInfo;
    }
    for (const t of made) backend.disposeData(t.dataId);
    return result;
  };
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ ...original, kernelFunc });
  WRAPPED.add(kernelName);
}
