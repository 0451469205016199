import * as tf from '@tensorflow/tfjs-core';

/** Attributes of the Conv2DBackpropFilter kernel, as tfjs-core passes them. */
interface BackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/**
 * The filter gradient of a 2-D convolution, itself computed as a forward convolution so that it runs on
 * XNNPACK's fast Conv2D: with the input transposed to (channels, height, width, batch) and dy to
 * (outHeight, outWidth, batch, filters), dW[i, j, c, f] = sum over (oh, ow, n) of
 * x[c, i + oh*sh, j + ow*sw, n] * dy[oh, ow, n, f] is a "valid" convolution whose filter is dy, dilated by the
 * strides. Five kernels, no im2col copies. tfjs-wasm 4.22 ships no Conv2DBackpropFilter at all
 * (tensorflow/tfjs#8474), so training any conv layer fails without it; Conv1D goes through conv2d in tfjs.
 */
export function conv2dBackpropFilter(x4: tf.Tensor4D, dy4: tf.Tensor4D, attrs: BackpropFilterAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    let x = x4;
    let dy = dy4;
    if (attrs.dataFormat === 'NCHW') {
      x = tf.transpose(x, [0, 2, 3, 1]);
      dy = tf.transpose(dy, [0, 2, 3, 1]);
    }
    const [kh, kw] = attrs.filterShape;
    const info = tf.backend_util.computeConv2DInfo(x.shape, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
    const { top, left } = info.padInfo;
    const [n, h, w, c] = x.shape;
    const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
    // The rows and columns the taps actually read: pad up to them, or drop trailing ones a stride never reaches.
    const needH = (oh - 1) * sh + kh;
    const needW = (ow - 1) * sw + kw;
    if (needH - top < h || needW - left < w) x = tf.slice(x, [0, 0, 0, 0], [n, Math.min(h, needH - top), Math.min(w, needW - left), c]);
    const padBottom = needH - top - x.shape[1];
    const padRight = needW - left - x.shape[2];
    const padded = top || padBottom || left || padRight ? tf.pad(x, [[0, 0], [top, padBottom], [left, padRight], [0, 0]]) : x;
    const input = tf.transpose(padded, [3, 1, 2, 0]) as tf.Tensor4D; // [c, needH, needW, n]
    const filter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [oh, ow, n, f]
    const out = tf.conv2d(input, filter, 1, 'valid', 'NHWC', [sh, sw]); // [c, kh, kw, f]
    return tf.transpose(out, [1, 2, 0, 3]);
  });
}

/** Register {@link conv2dBackpropFilter} as the wasm backend's Conv2DBackpropFilter kernel. */
export function installConv2dBackpropFilter(): void {
  if (tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')) return;
  tf.registerKernel({
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const { x, dy } = inputs as unknown as { x: tf.Tensor4D; dy: tf.Tensor4D };
      // Kernels receive TensorInfos; wrap them as tensors sharing the same data so ops can run on them.
      const made: tf.Tensor[] = [];
      const xt = asTensor(x, made) as tf.Tensor4D;
      const dyt = asTensor(dy, made) as tf.Tensor4D;
      const out = conv2dBackpropFilter(xt, dyt, attrs as unknown as BackpropFilterAttrs);
      for (const t of made) t.dispose();
      return out;
    },
  });
}

function asTensor(info: tf.TensorInfo, made: tf.Tensor[]): tf.Tensor {
  if (info instanceof tf.Tensor) return info;
  const t = tf.engine().makeTensorFromTensorInfo(info);
  made.push(t);
  return t;
}
