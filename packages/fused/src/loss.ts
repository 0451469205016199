/** Loss names the fused step implements (the same as @prd/tensor's). */
export type FusedLossName = 'kl-divergence' | 'mse' | 'mae' | 'categorical-crossentropy';

const EPSILON = 1e-7;
const f32 = Math.fround;

/** Softmax of each row of `z` (rows x cols) into `p`: exp(z − max) / sum, as tfjs' softmax kernel. */
export function softmaxRows(z: Float32Array, rows: number, cols: number, p: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let max = -Infinity;
    for (let j = 0; j < cols; j++) max = Math.max(max, z[o + j]);
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      const e = f32(Math.exp(f32(z[o + j] - max)));
      p[o + j] = e;
      sum += e;
    }
    const s = f32(sum);
    for (let j = 0; j < cols; j++) p[o + j] = p[o + j] / s;
  }
}

/**
 * The batch-mean loss of predictions `p` (rows x cols) against `y`, Keras' definitions as in @prd/tensor, and its
 * gradient with respect to `p` into `dp` (including tfjs' zero gradient where a clip is active).
 */
export function lossAndGradient(name: FusedLossName, y: Float32Array, p: Float32Array, rows: number, cols: number, dp: Float32Array): number {
  let total = 0;
  const n = rows * cols;
  switch (name) {
    case 'kl-divergence': {
      const scale = f32(1 / rows);
      for (let i = 0; i < n; i++) {
        const t = Math.min(Math.max(y[i], EPSILON), 1);
        const q = Math.min(Math.max(p[i], EPSILON), 1);
        const inside = p[i] >= f32(EPSILON) && p[i] <= 1;
        total += t * Math.log(t / q);
        dp[i] = inside ? (-t / q) * scale : 0;
      }
      return total / rows;
    }
    case 'categorical-crossentropy': {
      const scale = f32(1 / rows);
      for (let r = 0; r < rows; r++) {
        const o = r * cols;
        let s = 0;
        for (let j = 0; j < cols; j++) s += p[o + j];
        s = f32(s);
        let weighted = 0;
        for (let j = 0; j < cols; j++) {
          const q = f32(p[o + j] / s);
          const c = Math.min(Math.max(q, EPSILON), 1 - EPSILON);
          total -= y[o + j] * Math.log(c);
          const inside = q >= f32(EPSILON) && q <= f32(1 - EPSILON);
          const dq = inside ? (-y[o + j] / c) * scale : 0;
          dp[o + j] = dq / s;
          weighted += dq * p[o + j];
        }
        for (let j = 0; j < cols; j++) dp[o + j] -= weighted / (s * s);
      }
      return total / rows;
    }
    case 'mse': {
      for (let i = 0; i < n; i++) {
        const d = p[i] - y[i];
        total += d * d;
        dp[i] = (2 * d) / n;
      }
      return total / n;
    }
    case 'mae': {
      for (let i = 0; i < n; i++) {
        const d = p[i] - y[i];
        total += Math.abs(d);
        dp[i] = Math.sign(d) / n;
      }
      return total / n;
    }
  }
}

/** The softmax's backward pass in place: dz = p·(dp − Σ dp·p), row by row. */
export function softmaxBackward(p: Float32Array, dp: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let dot = 0;
    for (let j = 0; j < cols; j++) dot += dp[o + j] * p[o + j];
    for (let j = 0; j < cols; j++) dp[o + j] = dp[o + j] * p[o + j] - dot * p[o + j];
  }
}

/** Rows whose argmax of truth and prediction agree (Keras' categorical accuracy; ties to the first index). */
export function countCorrect(y: Float32Array, p: Float32Array, rows: number, cols: number): number {
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let ty = 0;
    let tp = 0;
    for (let j = 1; j < cols; j++) {
      if (y[o + j] > y[o + ty]) ty = j;
      if (p[o + j] > p[o + tp]) tp = j;
    }
    if (ty === tp) correct++;
  }
  return correct;
}
