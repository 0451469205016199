import * as tf from '@tensorflow/tfjs-core';

/**
 * tfjs-wasm's Identity copies the whole buffer, and the gradient tape clones (Identity) every tensor it saves for
 * backpropagation: about 40 full copies per training step of the seed model. Tensor data is immutable in tfjs
 * (a variable's `assign` swaps in a new buffer), so, as the cpu backend does, Identity can share the buffer and
 * count a reference instead.
 */
export function installZeroCopyIdentity(): void {
  const original = tf.getKernel(tf.Identity, 'wasm');
  if (!original || (original as { prdWrapped?: boolean }).prdWrapped) return;
  tf.unregisterKernel(tf.Identity, 'wasm');
  tf.registerKernel({
    ...original,
    prdWrapped: true,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      if (x.dtype === 'string') return original.kernelFunc(args);
      (args.backend as { incRef(id: tf.DataId): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
    },
  } as tf.KernelConfig);
}
