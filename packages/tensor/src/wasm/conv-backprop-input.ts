import * as tf from '@tensorflow/tfjs-core';

/** Attributes of the Conv2DBackpropInput kernel, as tfjs-core passes them. */
interface BackpropInputAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/**
 * The input gradient of a stride-1 2-D convolution as a forward convolution of dy with the flipped, transposed
 * filter, so it runs on XNNPACK's fast Conv2D. tfjs-wasm's own Conv2DBackpropInput is a plain loop, about 8x
 * slower here, and it is the largest cost of a Conv1D training step. Returns undefined for the cases this does
 * not cover (strides, NCHW), which keep the original kernel.
 */
export function conv2dBackpropInputViaConv(dy: tf.Tensor4D, filter: tf.Tensor4D, attrs: BackpropInputAttrs): tf.Tensor4D | undefined {
  if (attrs.dataFormat === 'NCHW') return undefined;
  const info = tf.backend_util.computeConv2DInfo(attrs.inputShape, filter.shape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  if (info.strideHeight !== 1 || info.strideWidth !== 1) return undefined;
  const [kh, kw] = filter.shape;
  const { top, left } = info.padInfo;
  const [, inH, inW] = attrs.inputShape;
  const padTop = kh - 1 - top;
  const padLeft = kw - 1 - left;
  const padBottom = inH - info.outHeight + top;
  const padRight = inW - info.outWidth + left;
  if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) return undefined;
  return tf.tidy(() => {
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
    return tf.conv2d(dy, flipped as tf.Tensor4D, 1, [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]], 'NHWC');
  });
}

/** Route stride-1 Conv2DBackpropInput on wasm through {@link conv2dBackpropInputViaConv}. */
export function installConv2dBackpropInput(): void {
  const original = tf.getKernel(tf.Conv2DBackpropInput, 'wasm');
  if (!original || (original as { prdWrapped?: boolean }).prdWrapped) return;
  tf.unregisterKernel(tf.Conv2DBackpropInput, 'wasm');
  tf.registerKernel({
    ...original,
    prdWrapped: true,
    kernelFunc: (args) => {
      const { dy, filter } = args.inputs as unknown as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      if (dy instanceof tf.Tensor && filter instanceof tf.Tensor) {
        const out = conv2dBackpropInputViaConv(dy as tf.Tensor4D, filter as tf.Tensor4D, args.attrs as unknown as BackpropInputAttrs);
        if (out) return out;
      }
      return original.kernelFunc(args);
    },
  } as tf.KernelConfig);
}
