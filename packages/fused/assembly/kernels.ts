// The fused step's kernels: AssemblyScript compiled to WebAssembly with 128-bit SIMD (f32x4).
// Every buffer lives in the one memory the JavaScript driver creates (imported); arguments are byte offsets.
// Matrices are row-major float32. The driver orchestrates a training step as ~30 calls into these kernels.

// Packing scratch (set once by the driver): A panels of MR rows, B panels of NR columns, a tile for edges.
let packA: usize = 0;
let packB: usize = 0;
let tile: usize = 0;

/**
 * acc + a·b. The relaxed-SIMD build (`--enable relaxed-simd`) makes it one `f32x4.relaxed_madd`, which V8 turns into
 * a fused multiply-add (one rounding) where the CPU has FMA and into multiply then add where it has not.
 */
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

/**
 * Rows of the register tile: 6 x 8 with FMA (12 accumulators, 2 B vectors and 1 broadcast A: 15 of the 16 XMM
 * registers, V8 keeping one as scratch), 4 x 8 without (a multiply then an add needs one more register per product).
 */
const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 4;
const NR = 8;
/** K block: a packed B panel (KC x 8 floats = 8 KiB) stays in L1 while the A panels stream past it. */
const KC = 256;

/** Where gemm may put its packed operands: `a` holds M x KC (rounded up to MR rows), `b` KC x N (to 8 columns). */
export function setScratch(a: usize, b: usize, t: usize): void {
  packA = a;
  packB = b;
  tile = t;
}

// A(i,k) = a[i*ars + k*acs]: a row-major matrix has (ars, acs) = (lda, 1), its transpose (1, lda).
function packPanelsA(a: usize, ars: i32, acs: i32, M: i32, k0: i32, kc: i32): void {
  let dst = packA;
  for (let i0 = 0; i0 < M; i0 += MR) {
    if (ars == 1 && i0 + MR <= M) {
      // A transposed: the panel's MR values of each k are adjacent in memory.
      let src = a + ((<usize>(i0 + k0 * acs)) << 2);
      const step = <usize>acs << 2;
      let d = dst;
      for (let k = 0; k < kc; k++) {
        v128.store(d, v128.load(src));
        if (MR == 6) store<u64>(d, load<u64>(src, 16), 16);
        src += step;
        d += MR << 2;
      }
    } else {
      for (let r = 0; r < MR; r++) {
        const i = i0 + r;
        let d = dst + (<usize>r << 2);
        if (i < M) {
          let src = a + ((<usize>(i * ars + k0 * acs)) << 2);
          const step = <usize>acs << 2;
          for (let k = 0; k < kc; k++) {
            store<f32>(d, load<f32>(src));
            src += step;
            d += MR << 2;
          }
        } else {
          for (let k = 0; k < kc; k++) {
            store<f32>(d, 0);
            d += MR << 2;
          }
        }
      }
    }
    dst += <usize>(kc * MR) << 2;
  }
}

// B(k,j) = b[k*brs + j*bcs].
function packPanelsB(b: usize, brs: i32, bcs: i32, N: i32, k0: i32, kc: i32): void {
  let dst = packB;
  for (let j0 = 0; j0 < N; j0 += NR) {
    if (bcs == 1) {
      const full = j0 + NR <= N;
      for (let k = 0; k < kc; k++) {
        const row = b + ((<usize>((k0 + k) * brs)) << 2);
        const d = dst + ((<usize>(k * NR)) << 2);
        if (full) {
          const s = row + ((<usize>j0) << 2);
          v128.store(d, v128.load(s));
          v128.store(d, v128.load(s, 16), 16);
        } else {
          for (let c = 0; c < NR; c++) {
            const j = j0 + c;
            store<f32>(d + (<usize>c << 2), j < N ? load<f32>(row + ((<usize>j) << 2)) : 0);
          }
        }
      }
    } else {
      // B transposed: walk each column along k, where its values are adjacent (brs is 1).
      for (let c = 0; c < NR; c++) {
        const j = j0 + c;
        let d = dst + (<usize>c << 2);
        if (j < N) {
          let src = b + ((<usize>(k0 * brs + j * bcs)) << 2);
          const step = <usize>brs << 2;
          for (let k = 0; k < kc; k++) {
            store<f32>(d, load<f32>(src));
            src += step;
            d += NR << 2;
          }
        } else {
          for (let k = 0; k < kc; k++) {
            store<f32>(d, 0);
            d += NR << 2;
          }
        }
      }
    }
    dst += <usize>(kc * NR) << 2;
  }
}

// One 4 x 8 tile of C over kc values of k from the packed panels; adds to C when `add`, else overwrites.
function micro4(pa: usize, pb: usize, kc: i32, c: usize, ldc: i32, rows: i32, cols: i32, add: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    pa += 4 << 2;
    pb += NR << 2;
  }
  const ld = <usize>ldc << 2;
  if (rows == 4 && cols == NR) {
    if (add) {
      v128.store(c, f32x4.add(v128.load(c), c00));
      v128.store(c, f32x4.add(v128.load(c, 16), c01), 16);
      v128.store(c + ld, f32x4.add(v128.load(c + ld), c10));
      v128.store(c + ld, f32x4.add(v128.load(c + ld, 16), c11), 16);
      v128.store(c + 2 * ld, f32x4.add(v128.load(c + 2 * ld), c20));
      v128.store(c + 2 * ld, f32x4.add(v128.load(c + 2 * ld, 16), c21), 16);
      v128.store(c + 3 * ld, f32x4.add(v128.load(c + 3 * ld), c30));
      v128.store(c + 3 * ld, f32x4.add(v128.load(c + 3 * ld, 16), c31), 16);
    } else {
      v128.store(c, c00);
      v128.store(c, c01, 16);
      v128.store(c + ld, c10);
      v128.store(c + ld, c11, 16);
      v128.store(c + 2 * ld, c20);
      v128.store(c + 2 * ld, c21, 16);
      v128.store(c + 3 * ld, c30);
      v128.store(c + 3 * ld, c31, 16);
    }
    return;
  }
  // An edge tile: through the scratch tile, writing only the rows and columns inside C.
  v128.store(tile, c00);
  v128.store(tile, c01, 16);
  v128.store(tile, c10, 32);
  v128.store(tile, c11, 48);
  v128.store(tile, c20, 64);
  v128.store(tile, c21, 80);
  v128.store(tile, c30, 96);
  v128.store(tile, c31, 112);
  storeEdge(c, ld, rows, cols, add);
}

// The 6 x 8 tile (the FMA build), as micro4.
function micro6(pa: usize, pb: usize, kc: i32, c: usize, ldc: i32, rows: i32, cols: i32, add: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    a = v128.load32_splat(pa, 16);
    c40 = madd(a, b0, c40);
    c41 = madd(a, b1, c41);
    a = v128.load32_splat(pa, 20);
    c50 = madd(a, b0, c50);
    c51 = madd(a, b1, c51);
    pa += 6 << 2;
    pb += NR << 2;
  }
  const ld = <usize>ldc << 2;
  if (rows == 6 && cols == NR) {
    if (add) {
      c00 = f32x4.add(v128.load(c), c00);
      c01 = f32x4.add(v128.load(c, 16), c01);
      c10 = f32x4.add(v128.load(c + ld), c10);
      c11 = f32x4.add(v128.load(c + ld, 16), c11);
      c20 = f32x4.add(v128.load(c + 2 * ld), c20);
      c21 = f32x4.add(v128.load(c + 2 * ld, 16), c21);
      c30 = f32x4.add(v128.load(c + 3 * ld), c30);
      c31 = f32x4.add(v128.load(c + 3 * ld, 16), c31);
      c40 = f32x4.add(v128.load(c + 4 * ld), c40);
      c41 = f32x4.add(v128.load(c + 4 * ld, 16), c41);
      c50 = f32x4.add(v128.load(c + 5 * ld), c50);
      c51 = f32x4.add(v128.load(c + 5 * ld, 16), c51);
    }
    v128.store(c, c00);
    v128.store(c, c01, 16);
    v128.store(c + ld, c10);
    v128.store(c + ld, c11, 16);
    v128.store(c + 2 * ld, c20);
    v128.store(c + 2 * ld, c21, 16);
    v128.store(c + 3 * ld, c30);
    v128.store(c + 3 * ld, c31, 16);
    v128.store(c + 4 * ld, c40);
    v128.store(c + 4 * ld, c41, 16);
    v128.store(c + 5 * ld, c50);
    v128.store(c + 5 * ld, c51, 16);
    return;
  }
  v128.store(tile, c00);
  v128.store(tile, c01, 16);
  v128.store(tile, c10, 32);
  v128.store(tile, c11, 48);
  v128.store(tile, c20, 64);
  v128.store(tile, c21, 80);
  v128.store(tile, c30, 96);
  v128.store(tile, c31, 112);
  v128.store(tile, c40, 128);
  v128.store(tile, c41, 144);
  v128.store(tile, c50, 160);
  v128.store(tile, c51, 176);
  storeEdge(c, ld, rows, cols, add);
}

// Writes the rows x cols corner of the scratch tile into C (adding when `add`).
function storeEdge(c: usize, ld: usize, rows: i32, cols: i32, add: bool): void {
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < cols; q++) {
      const dst = c + <usize>r * ld + (<usize>q << 2);
      const v = load<f32>(tile + ((<usize>(r * NR + q)) << 2));
      store<f32>(dst, add ? load<f32>(dst) + v : v);
    }
  }
}

// @ts-ignore: decorator
@inline function micro(pa: usize, pb: usize, kc: i32, c: usize, ldc: i32, rows: i32, cols: i32, add: bool): void {
  if (MR == 6) micro6(pa, pb, kc, c, ldc, rows, cols, add);
  else micro4(pa, pb, kc, c, ldc, rows, cols, add);
}

/**
 * C (M x N, row stride ldc) = [C +] A·B with A(i,k) = a[i*ars + k*acs] and B(k,j) = b[k*brs + j*bcs], so either
 * operand may be transposed. Both are packed into panels per block of KC values of k.
 */
export function gemm(M: i32, N: i32, K: i32, a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, c: usize, ldc: i32, accumulate: bool): void {
  const ldcBytes = <usize>ldc << 2;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const add = accumulate || k0 > 0;
    packPanelsA(a, ars, acs, M, k0, kc);
    packPanelsB(b, brs, bcs, N, k0, kc);
    const aPanel = <usize>(kc * MR) << 2;
    const bPanel = <usize>(kc * NR) << 2;
    // Keep the smaller operand's packed block cached while the other streams.
    if (N <= M) {
      for (let i0 = 0; i0 < M; i0 += MR) {
        const pa = packA + <usize>(i0 / MR) * aPanel;
        const rows = min(MR, M - i0);
        for (let j0 = 0; j0 < N; j0 += NR) {
          micro(pa, packB + <usize>(j0 / NR) * bPanel, kc, c + <usize>i0 * ldcBytes + (<usize>j0 << 2), ldc, rows, min(NR, N - j0), add);
        }
      }
    } else {
      for (let j0 = 0; j0 < N; j0 += NR) {
        const pb = packB + <usize>(j0 / NR) * bPanel;
        const cols = min(NR, N - j0);
        for (let i0 = 0; i0 < M; i0 += MR) {
          micro(packA + <usize>(i0 / MR) * aPanel, pb, kc, c + <usize>i0 * ldcBytes + (<usize>j0 << 2), ldc, min(MR, M - i0), cols, add);
        }
      }
    }
  }
}

/** out[(b*H + h), k*F + f] = x[b, h + k - pad, f], 0 outside the profile ("same" padding as zero rows). */
export function im2col(x: usize, B: i32, H: i32, F: i32, K: i32, pad: i32, out: usize): void {
  const rowBytes = <usize>F << 2;
  let dst = out;
  for (let b = 0; b < B; b++) {
    const xb = x + <usize>(b * H) * rowBytes;
    for (let h = 0; h < H; h++) {
      // The K input rows of one output row are adjacent in memory: one copy, zeros where they leave the profile.
      const first = h - pad;
      const lo = max(first, 0);
      const hi = min(first + K, H);
      const before = lo - first;
      if (before > 0) memory.fill(dst, 0, <usize>before * rowBytes);
      if (hi > lo) memory.copy(dst + <usize>before * rowBytes, xb + <usize>lo * rowBytes, <usize>(hi - lo) * rowBytes);
      const after = first + K - max(hi, lo);
      if (after > 0) memory.fill(dst + <usize>(K - after) * rowBytes, 0, <usize>after * rowBytes);
      dst += <usize>K * rowBytes;
    }
  }
}

/** The adjoint of im2col: dx[b, h + k - pad, f] += dcol[(b*H + h), k*F + f]. */
export function col2imAdd(dcol: usize, B: i32, H: i32, F: i32, K: i32, pad: i32, dx: usize): void {
  const rowBytes = <usize>F << 2;
  let src = dcol;
  for (let b = 0; b < B; b++) {
    const xb = dx + <usize>(b * H) * rowBytes;
    for (let h = 0; h < H; h++) {
      const first = h - pad;
      const lo = max(first, 0);
      const hi = min(first + K, H);
      if (hi > lo) addInto(xb + <usize>lo * rowBytes, src + <usize>(lo - first) * rowBytes, (hi - lo) * F);
      src += <usize>K * rowBytes;
    }
  }
}

/** y[i] += x[i] for n values. */
export function addInto(y: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.add(v128.load(y + o), v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(y + o) + load<f32>(x + o));
  }
}

/** out[i] = a[i] + b[i]. */
export function addTo(out: usize, a: usize, b: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(a + o) + load<f32>(b + o));
  }
}

/** y[i] *= x[i] (dropout masks). */
export function mulInto(y: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.mul(v128.load(y + o), v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(y + o) * load<f32>(x + o));
  }
}

/** y (rows x cols) += bias (cols) on every row. */
export function addBias(y: usize, rows: i32, cols: i32, bias: usize): void {
  for (let r = 0; r < rows; r++) addInto(y + (<usize>(r * cols) << 2), bias, cols);
}

/** out[j] = sum over rows of d[r, j] (a bias gradient). */
export function columnSums(d: usize, rows: i32, cols: i32, out: usize): void {
  memory.fill(out, 0, <usize>cols << 2);
  for (let r = 0; r < rows; r++) addInto(out, d + (<usize>(r * cols) << 2), cols);
}

// Activations, by code: 0 linear, 1 relu, 2 elu (alpha 1), 3 tanh, 4 sigmoid.

/** y = act(y) in place for n values. */
export function activate(y: usize, n: i32, kind: i32): void {
  if (kind == 0) return;
  let i = 0;
  if (kind == 1) {
    const zero = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, f32x4.max(v128.load(y + o), zero));
    }
  }
  for (; i < n; i++) {
    const p = y + (<usize>i << 2);
    const v = load<f32>(p);
    let r: f32 = v;
    if (kind == 1) r = v > 0 ? v : 0;
    else if (kind == 2) r = v > 0 ? v : Mathf.exp(v) - 1;
    else if (kind == 3) r = Mathf.tanh(v);
    else if (kind == 4) r = 1 / (1 + Mathf.exp(-v));
    store<f32>(p, r);
  }
}

/** dy *= act'(x), written from the activation's output y (as tfjs' gradients are). */
export function activateGrad(dy: usize, y: usize, n: i32, kind: i32): void {
  if (kind == 0) return;
  let i = 0;
  if (kind == 1) {
    const zero = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const keep = f32x4.gt(v128.load(y + o), zero);
      v128.store(dy + o, v128.and(v128.load(dy + o), keep));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(y + o);
    const d = load<f32>(dy + o);
    let r: f32 = d;
    if (kind == 1) r = v > 0 ? d : 0;
    else if (kind == 2) r = v >= 0 ? d : d * (v + 1);
    else if (kind == 3) r = d * (1 - v * v);
    else if (kind == 4) r = d * v * (1 - v);
    store<f32>(dy + o, r);
  }
}

/** Zero n floats. */
export function zero(p: usize, n: i32): void {
  memory.fill(p, 0, <usize>n << 2);
}

/**
 * Keras' Adam update over n values: m += (g − m)(1 − β1); v += (g² − v)(1 − β2); w −= (m·lr)/(√v + ε), where
 * lr is already bias-corrected (lr·√(1 − β2ᵗ)/(1 − β1ᵗ)), the same operations in the same order as FlatAdam.
 */
export function adam(w: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, oneMinusBeta1: f32, oneMinusBeta2: f32, eps: f32): void {
  const l = f32x4.splat(lr);
  const b1 = f32x4.splat(oneMinusBeta1);
  const b2 = f32x4.splat(oneMinusBeta2);
  const e = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const gv = v128.load(g + o);
    let mv = v128.load(m + o);
    let vv = v128.load(v + o);
    mv = f32x4.add(mv, f32x4.mul(f32x4.sub(gv, mv), b1));
    vv = f32x4.add(vv, f32x4.mul(f32x4.sub(f32x4.mul(gv, gv), vv), b2));
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    const update = f32x4.div(f32x4.mul(mv, l), f32x4.add(f32x4.sqrt(vv), e));
    v128.store(w + o, f32x4.sub(v128.load(w + o), update));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gv = load<f32>(g + o);
    let mv = load<f32>(m + o);
    let vv = load<f32>(v + o);
    mv = mv + (gv - mv) * oneMinusBeta1;
    vv = vv + (gv * gv - vv) * oneMinusBeta2;
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
    store<f32>(w + o, load<f32>(w + o) - (mv * lr) / (Mathf.sqrt(vv) + eps));
  }
}

/** tfjs' SGD with momentum (0: plain SGD): a = momentum·a + g; w += (−lr)·a. */
export function sgd(w: usize, g: usize, a: usize, n: i32, lr: f32, momentum: f32): void {
  const l = f32x4.splat(-lr);
  const mo = f32x4.splat(momentum);
  const plain = momentum == 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    let step = v128.load(g + o);
    if (!plain) {
      step = f32x4.add(f32x4.mul(mo, v128.load(a + o)), step);
      v128.store(a + o, step);
    }
    v128.store(w + o, f32x4.add(f32x4.mul(l, step), v128.load(w + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    let step = load<f32>(g + o);
    if (!plain) {
      step = momentum * load<f32>(a + o) + step;
      store<f32>(a + o, step);
    }
    store<f32>(w + o, -lr * step + load<f32>(w + o));
  }
}

/** The end of the module's static data (math tables): the driver places its buffers above it. */
export function heapBase(): usize {
  return __heap_base;
}
