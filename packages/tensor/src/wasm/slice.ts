import * as tf from '@tensorflow/tfjs-core';

interface WasmBackendInternals {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** Copy a contiguous slice heap to heap; undefined when the slice is not contiguous. */
function contiguousSlice(backend: WasmBackendInternals, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo | undefined {
  if (x.dtype === 'string' || !tf.slice_util.isSliceContinous(x.shape, begin, size)) return undefined;
  const offset = tf.slice_util.computeFlatOffset(begin, tf.util.computeStrides(x.shape));
  const out = backend.makeOutput(size, x.dtype);
  backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(x).subarray(offset, offset + tf.util.sizeFromShape(size)));
  return out;
}

/**
 * tfjs-wasm's Slice first copies the *whole* input out of the wasm heap into a fresh JavaScript buffer, then copies
 * the slice from it. For contiguous slices (a block of rows, the parts of a split) this copies the range straight
 * from heap to heap instead: no allocation, no full copy. Other slices keep the original kernel.
 */
export function installContiguousSlice(): void {
  const original = tf.getKernel(tf.Slice, 'wasm');
  if (!original || (original as { prdWrapped?: boolean }).prdWrapped) return;
  tf.unregisterKernel(tf.Slice, 'wasm');
  tf.registerKernel({
    ...original,
    prdWrapped: true,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
      const [begin_, size_] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
      return contiguousSlice(args.backend as unknown as WasmBackendInternals, x, begin_, size_) ?? original.kernelFunc(args);
    },
  } as tf.KernelConfig);
}

/** SplitV along an axis where every part is contiguous (axis 0, or leading dimensions of 1) as heap-to-heap copies. */
export function installContiguousSplit(): void {
  const original = tf.getKernel(tf.SplitV, 'wasm');
  if (!original || (original as { prdWrapped?: boolean }).prdWrapped) return;
  tf.unregisterKernel(tf.SplitV, 'wasm');
  tf.registerKernel({
    ...original,
    prdWrapped: true,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
      const $axis = tf.util.parseAxisParam(axis, x.shape)[0];
      if (x.dtype === 'string' || x.shape.slice(0, $axis).some((d) => d !== 1)) return original.kernelFunc(args);
      const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, $axis);
      const backend = args.backend as unknown as WasmBackendInternals;
      const begin = new Array<number>(x.shape.length).fill(0);
      return sizes.map((s) => {
        const size = [...x.shape];
        size[$axis] = s;
        const out = contiguousSlice(backend, x, [...begin], size)!;
        begin[$axis] += s;
        return out;
      });
    },
  } as tf.KernelConfig);
}
