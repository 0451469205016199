import type { Activation, FusedArchitecture } from './architecture.js';
import { instantiateKernels, kernelVariant, RESERVED_BYTES, type Kernels, type KernelVariant } from './kernels.js';

/** Where one tfjs weight (`<layer>/<kind>`) lives in the parameter buffer. */
export interface WeightSlot {
  layer: string;
  kind: 'kernel' | 'bias';
  shape: number[];
  offset: number;
  size: number;
}

/** One batch of inputs, as core's `Batch` holds them (row-major float32). */
export interface FusedInputs {
  size: number;
  profile: Float32Array;
  singleLevel: Float32Array;
}

/** Draws a dropout keep-mask (values 0 or 1/(1 − rate)) for `rows` x `width` values of a layer. */
export type DropoutMasks = (layer: string, rows: number, width: number, rate: number) => Float32Array;

const ACTIVATION: Record<Activation, number> = { linear: 0, relu: 1, elu: 2, tanh: 3, sigmoid: 4 };
const KC = 256;

/** An activation buffer (floats per row `width`) and its gradient (-1: none, the inputs). */
interface Node {
  ptr: number;
  grad: number;
  width: number;
}

type Op =
  | { type: 'conv1d'; name: string; in: Node; out: Node; H: number; cin: number; c: number; k: number; pad: number; col: number; dcol: number; w: number; b: number; act: number }
  | { type: 'add'; name: string; in: Node; other: Node; out: Node }
  | { type: 'concatSurface'; name: string; in: Node; out: Node }
  | { type: 'addRawInputs'; name: string; in: Node; out: Node }
  | { type: 'dense'; name: string; in: Node; out: Node; w: number; b: number; act: number }
  | { type: 'dropout'; name: string; in: Node; out: Node; mask: number; rate: number };

const ceil4 = (n: number) => Math.ceil(n / 4) * 4;

/**
 * A network of {@link FusedArchitecture} in one WebAssembly memory: parameters (one contiguous buffer, tfjs'
 * weights in layer order), their gradients, two optimizer slots, an inbox for other replicas' gradients,
 * activations and scratch for batches of up to `maxBatch` rows. `forward` and `backward` run the kernels with no allocation.
 */
export class FusedNetwork {
  readonly slots: WeightSlot[] = [];
  readonly parameterCount: number;
  readonly outputs: number;
  readonly softmax: boolean;
  /** Parameters, gradients and the optimizer's two slots (views into the memory). */
  readonly params: Float32Array;
  readonly grads: Float32Array;
  readonly slotA: Float32Array;
  readonly slotB: Float32Array;
  /** The dropout layers, in the order `forward` draws their masks. */
  readonly dropouts: Array<{ name: string; width: number; rate: number }> = [];
  /** Where {@link addGradient} copies a gradient from outside the kernels' memory. */
  private readonly inbox: Float32Array;
  private readonly k: Kernels;
  private readonly heap: Float32Array;
  private readonly ops: Op[] = [];
  private readonly gradNodes: Node[] = [];
  private readonly input: Node;
  private readonly surface: number;
  private readonly raw: number;
  private readonly output: Node;
  private rows = 0;

  constructor(
    readonly architecture: FusedArchitecture,
    readonly maxBatch: number,
    /** The kernel build (by default the best this engine runs). */
    readonly variant: KernelVariant = kernelVariant(),
  ) {
    const { heights: H, profileFeatures: F, singleLevel: S, layers } = architecture;
    let top = RESERVED_BYTES / 4;
    const alloc = (floats: number) => {
      const at = top;
      top += ceil4(floats);
      return at;
    };
    // Parameters first, contiguous, in layer order (the order of the tfjs model's trainable weights).
    let inWidth = H * F;
    let channels: number | undefined = F;
    for (const layer of layers) {
      if (layer.type === 'conv1d') {
        if (channels === undefined) throw new Error(`fused: conv1d "${layer.name}" after the profile was flattened`);
        this.slots.push({ layer: layer.name, kind: 'kernel', shape: [layer.kernelSize, channels, layer.filters], offset: 0, size: layer.kernelSize * channels * layer.filters });
        if (layer.useBias) this.slots.push({ layer: layer.name, kind: 'bias', shape: [layer.filters], offset: 0, size: layer.filters });
        channels = layer.filters;
        inWidth = H * channels;
      } else if (layer.type === 'dense') {
        this.slots.push({ layer: layer.name, kind: 'kernel', shape: [inWidth, layer.units], offset: 0, size: inWidth * layer.units });
        if (layer.useBias) this.slots.push({ layer: layer.name, kind: 'bias', shape: [layer.units], offset: 0, size: layer.units });
        inWidth = layer.units;
        channels = undefined;
      } else if (layer.type === 'flatten') channels = undefined;
      else if (layer.type === 'concatSurface') inWidth += S;
    }
    let offset = 0;
    for (const slot of this.slots) {
      slot.offset = offset;
      offset += slot.size;
    }
    this.parameterCount = offset;
    const paramBase = alloc(offset);
    const gradBase = alloc(offset);
    const slotABase = alloc(offset);
    const slotBBase = alloc(offset);
    const inboxBase = alloc(offset);
    const slotOf = (name: string, kind: 'kernel' | 'bias') => {
      const s = this.slots.find((x) => x.layer === name && x.kind === kind);
      return s ? paramBase + s.offset : -1;
    };

    const B = maxBatch;
    let packA = 0;
    let packB = 0;
    const needGemm = (M: number, N: number, K: number) => {
      // Rows rounded up to the kernels' tile (4 or 6 rows, by build): 8 more than a multiple of 4 covers both.
      packA = Math.max(packA, (Math.ceil(M / 4) * 4 + 8) * Math.min(K, KC));
      packB = Math.max(packB, Math.ceil(N / 8) * 8 * Math.min(K, KC));
    };
    const node = (width: number, grad: boolean): Node => {
      const n = { ptr: alloc(B * width), grad: grad ? alloc(B * width) : -1, width };
      if (grad) this.gradNodes.push(n);
      return n;
    };
    this.input = node(H * F, false);
    this.surface = alloc(B * S);
    this.raw = alloc(B * (H * F + S));
    let cur = this.input;
    channels = F;
    const named = new Map<string, Node>();
    for (const [i, layer] of layers.entries()) {
      const last = i === layers.length - 1;
      switch (layer.type) {
        case 'conv1d': {
          const cin = channels!;
          const kf = layer.kernelSize * cin;
          const out = node(H * layer.filters, true);
          const op: Op = { type: 'conv1d', name: layer.name, in: cur, out, H, cin, c: layer.filters, k: layer.kernelSize, pad: Math.floor((layer.kernelSize - 1) / 2), col: alloc(B * H * kf), dcol: cur.grad >= 0 ? alloc(B * H * kf) : -1, w: slotOf(layer.name, 'kernel'), b: slotOf(layer.name, 'bias'), act: ACTIVATION[layer.activation] };
          needGemm(B * H, layer.filters, kf);
          needGemm(kf, layer.filters, B * H);
          needGemm(B * H, kf, layer.filters);
          this.ops.push(op);
          cur = out;
          channels = layer.filters;
          break;
        }
        case 'add': {
          const other = named.get(layer.from);
          if (!other || other.width !== cur.width) throw new Error(`fused: add "${layer.name}" needs an earlier layer "${layer.from}" of the same width`);
          const out = node(cur.width, true);
          this.ops.push({ type: 'add', name: layer.name, in: cur, other, out });
          cur = out;
          break;
        }
        case 'flatten':
          channels = undefined;
          break;
        case 'concatSurface': {
          const out = node(cur.width + S, true);
          this.ops.push({ type: 'concatSurface', name: layer.name, in: cur, out });
          cur = out;
          break;
        }
        case 'addRawInputs': {
          if (cur.width !== H * F + S) throw new Error(`fused: addRawInputs "${layer.name}" needs rows of ${H * F + S} values, has ${cur.width}`);
          const out = node(cur.width, true);
          this.ops.push({ type: 'addRawInputs', name: layer.name, in: cur, out });
          cur = out;
          break;
        }
        case 'dense': {
          if (layer.activation === 'softmax' && !last) throw new Error(`fused: softmax only on the output layer, not "${layer.name}"`);
          const out = node(layer.units, true);
          needGemm(B, layer.units, cur.width);
          needGemm(cur.width, layer.units, B);
          needGemm(B, cur.width, layer.units);
          this.ops.push({ type: 'dense', name: layer.name, in: cur, out, w: slotOf(layer.name, 'kernel'), b: slotOf(layer.name, 'bias'), act: layer.activation === 'softmax' ? 0 : ACTIVATION[layer.activation] });
          cur = out;
          channels = undefined;
          break;
        }
        case 'dropout': {
          const out = node(cur.width, true);
          this.ops.push({ type: 'dropout', name: layer.name, in: cur, out, mask: alloc(B * cur.width), rate: layer.rate });
          this.dropouts.push({ name: layer.name, width: cur.width, rate: layer.rate });
          cur = out;
          break;
        }
      }
      named.set(layer.name, cur);
    }
    const lastLayer = layers[layers.length - 1];
    if (lastLayer?.type !== 'dense') throw new Error('fused: the last layer must be a dense output layer');
    this.output = cur;
    this.outputs = lastLayer.units;
    this.softmax = lastLayer.activation === 'softmax';
    const pa = alloc(packA);
    const pb = alloc(packB);
    const tile = alloc(8 * 8);
    const { kernels, memory } = instantiateKernels(top * 4 - RESERVED_BYTES, variant);
    this.k = kernels;
    this.heap = new Float32Array(memory.buffer);
    this.k.setScratch(pa * 4, pb * 4, tile * 4);
    this.params = this.heap.subarray(paramBase, paramBase + offset);
    this.grads = this.heap.subarray(gradBase, gradBase + offset);
    this.slotA = this.heap.subarray(slotABase, slotABase + offset);
    this.slotB = this.heap.subarray(slotBBase, slotBBase + offset);
    this.inbox = this.heap.subarray(inboxBase, inboxBase + offset);
  }

  /** Add another replica's gradient (same layout as `grads`) into `grads`, with the SIMD kernels. */
  addGradient(other: Float32Array): void {
    this.inbox.set(other);
    this.k.addInto(this.grads.byteOffset, this.inbox.byteOffset, this.parameterCount);
  }

  /** The kernels (for the optimizers). */
  get kernels(): Kernels {
    return this.k;
  }

  /** Byte offsets of the parameter, gradient and optimizer-slot buffers. */
  get pointers(): { params: number; grads: number; slotA: number; slotB: number } {
    return { params: this.params.byteOffset, grads: this.grads.byteOffset, slotA: this.slotA.byteOffset, slotB: this.slotB.byteOffset };
  }

  /**
   * Run the layers on a batch; returns the output layer's values before its softmax (rows x outputs, a view that
   * the next call overwrites). `masks` draws dropout masks when training; without it dropout passes values on.
   */
  forward(batch: FusedInputs, masks?: DropoutMasks): Float32Array {
    const B = batch.size;
    if (B > this.maxBatch) throw new Error(`fused: batch of ${B} rows, more than the ${this.maxBatch} allocated`);
    this.rows = B;
    const { heights: H, profileFeatures: F, singleLevel: S } = this.architecture;
    const k = this.k;
    const heap = this.heap;
    heap.set(batch.profile.subarray(0, B * H * F), this.input.ptr);
    if (S > 0) {
      heap.set(batch.singleLevel.subarray(0, B * S), this.surface);
      for (let r = 0; r < B; r++) {
        heap.set(batch.profile.subarray(r * H * F, (r + 1) * H * F), this.raw + r * (H * F + S));
        heap.set(batch.singleLevel.subarray(r * S, (r + 1) * S), this.raw + r * (H * F + S) + H * F);
      }
    }
    for (const op of this.ops) {
      const out = op.out;
      switch (op.type) {
        case 'conv1d': {
          const kf = op.k * op.cin;
          k.im2col(op.in.ptr * 4, B, op.H, op.cin, op.k, op.pad, op.col * 4);
          k.gemm(B * op.H, op.c, kf, op.col * 4, kf, 1, op.w * 4, op.c, 1, out.ptr * 4, op.c, 0);
          if (op.b >= 0) k.addBias(out.ptr * 4, B * op.H, op.c, op.b * 4);
          k.activate(out.ptr * 4, B * out.width, op.act);
          break;
        }
        case 'add':
          k.addTo(out.ptr * 4, op.in.ptr * 4, op.other.ptr * 4, B * out.width);
          break;
        case 'concatSurface': {
          const w = op.in.width;
          for (let r = 0; r < B; r++) {
            heap.copyWithin(out.ptr + r * out.width, op.in.ptr + r * w, op.in.ptr + (r + 1) * w);
            heap.copyWithin(out.ptr + r * out.width + w, this.surface + r * S, this.surface + (r + 1) * S);
          }
          break;
        }
        case 'addRawInputs':
          k.addTo(out.ptr * 4, op.in.ptr * 4, this.raw * 4, B * out.width);
          break;
        case 'dense': {
          const n = op.in.width;
          const u = out.width;
          k.gemm(B, u, n, op.in.ptr * 4, n, 1, op.w * 4, u, 1, out.ptr * 4, u, 0);
          if (op.b >= 0) k.addBias(out.ptr * 4, B, u, op.b * 4);
          k.activate(out.ptr * 4, B * u, op.act);
          break;
        }
        case 'dropout': {
          const n = B * out.width;
          heap.copyWithin(out.ptr, op.in.ptr, op.in.ptr + n);
          if (masks && op.rate > 0) {
            heap.set(masks(op.name, B, out.width, op.rate).subarray(0, n), op.mask);
            k.mulInto(out.ptr * 4, op.mask * 4, n);
          } else heap.fill(1, op.mask, op.mask + n);
          break;
        }
      }
    }
    return heap.subarray(this.output.ptr, this.output.ptr + B * this.outputs);
  }

  /**
   * The gradient of every parameter (into `grads`) from the gradient of the loss with respect to the output
   * layer's pre-softmax values (softmax output) or its outputs (any other activation), for the last forward batch.
   */
  backward(dOutput: Float32Array): void {
    const B = this.rows;
    const k = this.k;
    for (const n of this.gradNodes) k.zero(n.grad * 4, B * n.width);
    this.heap.set(dOutput.subarray(0, B * this.outputs), this.output.grad);
    const gradOf = (param: number) => (param - this.params.byteOffset / 4 + this.grads.byteOffset / 4) * 4;
    for (let i = this.ops.length - 1; i >= 0; i--) {
      const op = this.ops[i];
      const out = op.out;
      switch (op.type) {
        case 'conv1d': {
          const kf = op.k * op.cin;
          const rows = B * op.H;
          k.activateGrad(out.grad * 4, out.ptr * 4, rows * op.c, op.act);
          k.gemm(kf, op.c, rows, op.col * 4, 1, kf, out.grad * 4, op.c, 1, gradOf(op.w), op.c, 0);
          if (op.b >= 0) k.columnSums(out.grad * 4, rows, op.c, gradOf(op.b));
          if (op.in.grad >= 0) {
            k.gemm(rows, kf, op.c, out.grad * 4, op.c, 1, op.w * 4, 1, op.c, op.dcol * 4, kf, 0);
            k.col2imAdd(op.dcol * 4, B, op.H, op.cin, op.k, op.pad, op.in.grad * 4);
          }
          break;
        }
        case 'add':
          if (op.in.grad >= 0) k.addInto(op.in.grad * 4, out.grad * 4, B * out.width);
          if (op.other.grad >= 0) k.addInto(op.other.grad * 4, out.grad * 4, B * out.width);
          break;
        case 'concatSurface': {
          if (op.in.grad < 0) break;
          const w = op.in.width;
          for (let r = 0; r < B; r++) k.addInto((op.in.grad + r * w) * 4, (out.grad + r * out.width) * 4, w);
          break;
        }
        case 'addRawInputs':
          if (op.in.grad >= 0) k.addInto(op.in.grad * 4, out.grad * 4, B * out.width);
          break;
        case 'dense': {
          const n = op.in.width;
          const u = out.width;
          k.activateGrad(out.grad * 4, out.ptr * 4, B * u, op.act);
          k.gemm(n, u, B, op.in.ptr * 4, 1, n, out.grad * 4, u, 1, gradOf(op.w), u, 0);
          if (op.b >= 0) k.columnSums(out.grad * 4, B, u, gradOf(op.b));
          if (op.in.grad >= 0) k.gemm(B, n, u, out.grad * 4, u, 1, op.w * 4, 1, u, op.in.grad * 4, n, 1);
          break;
        }
        case 'dropout':
          if (op.in.grad < 0) break;
          k.mulInto(out.grad * 4, op.mask * 4, B * out.width);
          k.addInto(op.in.grad * 4, out.grad * 4, B * out.width);
          break;
      }
    }
  }
}
