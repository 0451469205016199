/**
 * The shared memory of data-parallel fused training: one SharedArrayBuffer holding the parameters (written by
 * the main thread before each step, copied in by every worker at the step's start), the whole batch and its dropout
 * masks (each replica reads its rows), one gradient slot per worker, and the Int32 counters of the hand-offs.
 */
export interface ReplicaLayout {
  /** The main thread (replica 0) and the workers. */
  replicas: number;
  parameters: number;
  /** Rows of the largest batch. */
  maxBatch: number;
  /** Float32 values per row of the batch's parts. */
  widths: { profile: number; singleLevel: number; target: number };
  /** Values per row of each dropout layer's mask, in the order the forward pass draws them. */
  masks: Array<{ name: string; width: number }>;
}

/** Int32 counters per replica. `step`: the main thread's order; `done`: the replica's answer. */
const SLOTS = { step: 0, done: 1, stop: 2, start: 3, rows: 4 } as const;
const SLOTS_PER_REPLICA = 8;
const ERROR_BYTES = 4096;
/** The control slot after every replica's: 1 once a replica has recorded a failure. */
const failedSlot = (replicas: number) => replicas * SLOTS_PER_REPLICA;
type Slot = keyof typeof SLOTS;

/** Typed views of the shared buffer of a {@link ReplicaLayout}. */
export class ReplicaMemory {
  readonly control: Int32Array;
  /** Per replica: its shard's mean loss and its correctly classified rows. */
  readonly stats: Float64Array;
  readonly params: Float32Array;
  /** Gradient slots of replicas 1..n (index 0 unused: the main thread's gradient stays in its own memory). */
  readonly gradients: Float32Array[];
  readonly batch: { profile: Float32Array; singleLevel: Float32Array; target: Float32Array };
  readonly masks: Map<string, Float32Array>;
  private readonly errorText: Uint8Array;

  constructor(readonly buffer: SharedArrayBuffer, readonly layout: ReplicaLayout) {
    let offset = 0;
    const floats = (n: number) => {
      const view = new Float32Array(buffer, offset, n);
      offset += Math.ceil((n * 4) / 8) * 8;
      return view;
    };
    const { replicas, parameters, maxBatch, widths } = layout;
    this.control = new Int32Array(buffer, 0, failedSlot(replicas) + 1);
    offset = Math.ceil(this.control.byteLength / 8) * 8;
    this.stats = new Float64Array(buffer, offset, replicas * 2);
    offset += this.stats.byteLength;
    this.params = floats(parameters);
    this.gradients = Array.from({ length: replicas }, (_, k) => (k === 0 ? new Float32Array(0) : floats(parameters)));
    this.batch = { profile: floats(maxBatch * widths.profile), singleLevel: floats(maxBatch * widths.singleLevel), target: floats(maxBatch * widths.target) };
    this.masks = new Map(layout.masks.map((m) => [m.name, floats(maxBatch * m.width)]));
    this.errorText = new Uint8Array(buffer, offset, ERROR_BYTES);
  }

  /** Bytes the shared buffer of a layout takes. */
  static bytes(layout: ReplicaLayout): number {
    const { replicas, parameters, maxBatch, widths, masks } = layout;
    const pad = (bytes: number) => Math.ceil(bytes / 8) * 8;
    const floats = (n: number) => pad(n * 4);
    const batch = floats(maxBatch * widths.profile) + floats(maxBatch * widths.singleLevel) + floats(maxBatch * widths.target);
    const maskBytes = masks.reduce((sum, m) => sum + floats(maxBatch * m.width), 0);
    return pad((failedSlot(replicas) + 1) * 4) + replicas * 16 + floats(parameters) * replicas + batch + maskBytes + ERROR_BYTES;
  }

  private index(replica: number, slot: Slot): number {
    return replica * SLOTS_PER_REPLICA + SLOTS[slot];
  }

  get(replica: number, slot: Slot): number {
    return Atomics.load(this.control, this.index(replica, slot));
  }

  set(replica: number, slot: Slot, value: number): void {
    Atomics.store(this.control, this.index(replica, slot), value);
    Atomics.notify(this.control, this.index(replica, slot));
  }

  /** Record a replica's failure and wake everyone waiting, so that no one waits for it. */
  fail(replica: number, message: string): void {
    const bytes = new TextEncoder().encode(`fused replica ${replica}: ${message}`).subarray(0, ERROR_BYTES - 1);
    this.errorText.fill(0);
    this.errorText.set(bytes);
    Atomics.store(this.control, failedSlot(this.layout.replicas), 1);
    for (let k = 0; k < this.layout.replicas; k++) for (const slot of ['step', 'done'] as const) Atomics.notify(this.control, this.index(k, slot));
  }

  /** The first failure recorded, if any. */
  get failure(): string | undefined {
    if (Atomics.load(this.control, failedSlot(this.layout.replicas)) === 0) return undefined;
    const end = this.errorText.indexOf(0);
    return new TextDecoder().decode(this.errorText.slice(0, end < 0 ? undefined : end));
  }

  /** Block (a worker thread) until `slot` of `replica` passes `seen`; false when told to stop or another failed. */
  waitPast(replica: number, slot: Slot, seen: number): boolean {
    for (;;) {
      if (this.get(replica, 'stop') === 1 || this.failure) return false;
      if (this.get(replica, slot) > seen) return true;
      Atomics.wait(this.control, this.index(replica, slot), seen, 1000);
    }
  }

  /**
   * Wait (the main thread) until every worker's `done` reaches `step`: a short spin first (shards take about as
   * long on every core, so a worker is often done already), then waits that leave the event loop free, so that a
   * worker's exit is noticed (a blocking wait measured no faster; see the package README).
   */
  async waitDone(step: number, dead: () => string | undefined): Promise<void> {
    for (let k = 1; k < this.layout.replicas; k++) {
      for (let spin = 0; spin < 2000 && this.get(k, 'done') < step; spin++);
      for (;;) {
        const failure = this.failure ?? dead();
        if (failure) throw new Error(failure);
        const current = this.get(k, 'done');
        if (current >= step) break;
        const wait = waitAsync(this.control, this.index(k, 'done'), current, 1000);
        if (wait.async) await wait.value;
      }
    }
  }
}

// Atomics.waitAsync is in Node 16+ but only in TypeScript's ES2024 library.
type WaitAsync = (array: Int32Array, index: number, value: number, timeout?: number) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;
