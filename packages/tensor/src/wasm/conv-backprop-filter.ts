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
 * The filter gradient of a 2-D convolution, computed as im2col + one matrix product:
 * dW[kh, kw, c, f] = sum over (n, oh, ow) of x[n, oh*sh + kh - top, ow*sw + kw - left, c] * dy[n, oh, ow, f].
 * tfjs-wasm 4.22 ships no such kernel (tensorflow/tfjs#8474), so training any conv layer fails without it.
 * Conv1D goes through conv2d in tfjs, so this also trains the seed's Conv1D layers.
 */
export function conv2dBackpropFilter(x4: tf.Tensor4D, dy4: tf.Tensor4D, attrs: BackpropFilterAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    let x = x4;
    let dy = dy4;
    if (attrs.dataFormat === 'NCHW') {
      x = tf.transpose(x, [0, 2, 3, 1]);
      dy = tf.transpose(dy, [0, 2, 3, 1]);
    }
    const [kh, kw, c, f] = attrs.filterShape;
    const info = tf.backend_util.computeConv2DInfo(x.shape, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
    const { top, left, bottom, right } = info.padInfo;
    const [n] = x.shape;
    const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
    // Pad enough on the far side that every shifted window fits, whatever the rounding of "same".
    const needH = (oh - 1) * sh + kh;
    const needW = (ow - 1) * sw + kw;
    const padBottom = Math.max(bottom, needH - top - x.shape[1]);
    const padRight = Math.max(right, needW - left - x.shape[2]);
    const xp = top || padBottom || left || padRight ? tf.pad(x, [[0, 0], [top, Math.max(padBottom, 0)], [left, Math.max(padRight, 0)], [0, 0]]) : x;
    const windows: tf.Tensor4D[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        windows.push(
          sh === 1 && sw === 1
            ? tf.slice(xp as tf.Tensor4D, [0, i, j, 0], [n, oh, ow, c])
            : (tf.stridedSlice(xp, [0, i, j, 0], [n, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, c], [1, sh, sw, 1]) as tf.Tensor4D),
        );
      }
    }
    const cols = windows.length === 1 ? windows[0] : tf.concat(windows, 3);
    const m = n * oh * ow;
    const colsT = tf.transpose(tf.reshape(cols, [m, kh * kw * c]));
    const dW = tf.matMul(colsT, tf.reshape(dy, [m, f]));
    return tf.reshape(dW, [kh, kw, c, f]);
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
