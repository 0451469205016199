import * as tf from '@tensorflow/tfjs-core';

/**
 * tfjs-wasm multiplies with a transposed operand (`transposeA`/`transposeB`) about 15x slower than a plain product,
 * and backpropagation through dense layers asks for exactly those products. These wrappers materialise the
 * transpose with the wasm Transpose kernel first and hand the plain product to the original kernel.
 */
export function installFastTransposedMatMul(): void {
  wrap(tf.BatchMatMul);
  wrap(tf._FusedMatMul);
}

type KernelFunc = tf.KernelConfig['kernelFunc'];
const WRAPPED = new Set<string>();

function wrap(kernelName: string): void {
  if (WRAPPED.has(kernelName)) return;
  const original = tf.getKernel(kernelName, 'wasm');
  if (!original) throw new Error(`tfjs-wasm has no ${kernelName} kernel to wrap`);
  const transpose = tf.getKernel(tf.Transpose, 'wasm');
  if (!transpose) throw new Error('tfjs-wasm has no Transpose kernel');
  const inner = original.kernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const attrs = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (!attrs.transposeA && !attrs.transposeB) return inner(args);
    const inputs = { ...args.inputs } as Record<string, tf.TensorInfo>;
    const backend = args.backend as tf.KernelBackend & { disposeData(id: tf.DataId): boolean };
    const made: tf.TensorInfo[] = [];
    const flip = (t: tf.TensorInfo): tf.TensorInfo => {
      const rank = t.shape.length;
      const perm = Array.from({ length: rank }, (_, i) => i);
      [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
      const out = transpose.kernelFunc({ inputs: { x: t }, backend: args.backend, attrs: { perm } as unknown as tf.NamedAttrMap }) as tf.TensorInfo;
      made.push(out);
      return out;
    };
    if (attrs.transposeA) inputs.a = flip(inputs.a);
    if (attrs.transposeB) inputs.b = flip(inputs.b);
    const result = inner({ inputs, backend: args.backend, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    for (const t of made) backend.disposeData(t.dataId);
    return result;
  };
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ ...original, kernelFunc });
  WRAPPED.add(kernelName);
}
