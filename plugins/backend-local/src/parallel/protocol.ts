/**
 * Shared memory of data-parallel training: one SharedArrayBuffer that every replica (the main thread is replica 0,
 * each worker thread one more) reads and writes, with Atomics for the hand-offs. Per step s:
 *  1. the main thread writes each worker's shard and bumps its `step` counter to s;
 *  2. every replica computes its shard's gradient, waits until all replicas have read step s−1's gradients,
 *     writes its own into its slot and sets its `grad` counter to s;
 *  3. every replica waits for all `grad` counters to reach s, combines the gradients, sets its `read` counter to s,
 *     and applies the same update to its own copy of the model.
 */
export interface Layout {
  replicas: number;
  /** Values of the flattened gradient. */
  parameters: number;
  /** Rows of the largest shard. */
  shardRows: number;
  /** Float32 values per row of each shard part. */
  widths: { profile: number; singleLevel: number; target: number };
}

/** Int32 control slots per replica. */
export const SLOTS = { step: 0, grad: 1, read: 2, rows: 3, stop: 4, error: 5 } as const;
const SLOTS_PER_REPLICA = 8;
const ERROR_BYTES = 4096;

/** Typed views of the shared buffer. */
export class SharedState {
  readonly control: Int32Array;
  /** Per replica: loss and accuracy of its shard. */
  readonly stats: Float64Array;
  /** The learning rate every replica uses (set by the main thread before each epoch). */
  readonly learningRate: Float64Array;
  readonly gradients: Float32Array[];
  readonly shards: Array<{ profile: Float32Array; singleLevel: Float32Array; target: Float32Array }>;
  readonly errorText: Uint8Array;

  constructor(readonly buffer: SharedArrayBuffer, readonly layout: Layout) {
    const { replicas, parameters, shardRows, widths } = layout;
    let offset = 0;
    const take = (bytes: number) => {
      const at = offset;
      offset += Math.ceil(bytes / 8) * 8;
      return at;
    };
    this.control = new Int32Array(buffer, take(replicas * SLOTS_PER_REPLICA * 4), replicas * SLOTS_PER_REPLICA);
    this.stats = new Float64Array(buffer, take(replicas * 2 * 8), replicas * 2);
    this.learningRate = new Float64Array(buffer, take(8), 1);
    this.gradients = Array.from({ length: replicas }, () => new Float32Array(buffer, take(parameters * 4), parameters));
    this.shards = Array.from({ length: replicas }, () => ({
      profile: new Float32Array(buffer, take(shardRows * widths.profile * 4), shardRows * widths.profile),
      singleLevel: new Float32Array(buffer, take(shardRows * widths.singleLevel * 4), shardRows * widths.singleLevel),
      target: new Float32Array(buffer, take(shardRows * widths.target * 4), shardRows * widths.target),
    }));
    this.errorText = new Uint8Array(buffer, take(ERROR_BYTES), ERROR_BYTES);
  }

  /** Bytes the shared buffer needs for a layout. */
  static bytes(layout: Layout): number {
    const { replicas, parameters, shardRows, widths } = layout;
    const pad = (n: number) => Math.ceil(n / 8) * 8;
    const shard = pad(shardRows * widths.profile * 4) + pad(shardRows * widths.singleLevel * 4) + pad(shardRows * widths.target * 4);
    return pad(replicas * SLOTS_PER_REPLICA * 4) + pad(replicas * 16) + 8 + replicas * (pad(parameters * 4) + shard) + ERROR_BYTES;
  }

  slot(replica: number, name: keyof typeof SLOTS): number {
    return replica * SLOTS_PER_REPLICA + SLOTS[name];
  }

  get(replica: number, name: keyof typeof SLOTS): number {
    return Atomics.load(this.control, this.slot(replica, name));
  }

  set(replica: number, name: keyof typeof SLOTS, value: number): void {
    Atomics.store(this.control, this.slot(replica, name), value);
    Atomics.notify(this.control, this.slot(replica, name));
  }

  /** Record a replica's failure so the others stop waiting for it. */
  fail(replica: number, message: string): void {
    const bytes = new TextEncoder().encode(`replica ${replica}: ${message}`).subarray(0, this.errorText.length - 1);
    this.errorText.fill(0);
    this.errorText.set(bytes);
    this.set(0, 'error', 1);
    for (let k = 0; k < this.layout.replicas; k++) {
      Atomics.notify(this.control, this.slot(k, 'grad'));
      Atomics.notify(this.control, this.slot(k, 'read'));
      Atomics.notify(this.control, this.slot(k, 'step'));
    }
  }

  get failure(): string | undefined {
    if (this.get(0, 'error') === 0) return undefined;
    const end = this.errorText.indexOf(0);
    return new TextDecoder().decode(this.errorText.slice(0, end < 0 ? undefined : end));
  }

  /** Block (worker threads only) until every replica's `name` counter is at least `value`. */
  waitAll(name: 'grad' | 'read', value: number): void {
    for (let k = 0; k < this.layout.replicas; k++) {
      for (;;) {
        if (this.failure) throw new Error(this.failure);
        const current = this.get(k, name);
        if (current >= value) break;
        Atomics.wait(this.control, this.slot(k, name), current, 1000);
      }
    }
  }

  /** Like {@link waitAll} but without blocking the event loop (the main thread). */
  async waitAllAsync(name: 'grad' | 'read', value: number, alive: () => string | undefined): Promise<void> {
    for (let k = 0; k < this.layout.replicas; k++) {
      for (;;) {
        const failure = this.failure ?? alive();
        if (failure) throw new Error(failure);
        const current = this.get(k, name);
        if (current >= value) break;
        const wait = waitAsync(this.control, this.slot(k, name), current, 1000);
        if (wait.async) await wait.value;
      }
    }
  }
}

// Atomics.waitAsync is in Node 16+ but only in TypeScript's ES2024 library.
type WaitAsync = (array: Int32Array, index: number, value: number, timeout?: number) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;
