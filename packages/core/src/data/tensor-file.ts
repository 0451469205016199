import { closeSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { PrdError } from '../errors.js';
import { SeededRandom } from '../random.js';

/** Shape of one row of a tensor file: a (heights x features) profile, single-level values, targets. */
export interface TensorLayout {
  heights: number;
  profileFeatures: number;
  singleLevel: number;
  outputs: number;
}

/** Sidecar header of a tensor file. */
export interface TensorFileHeader extends TensorLayout {
  rows: number;
  dtype: 'float32';
}

/** One batch of model inputs and targets, as flat row-major typed arrays. */
export interface Batch {
  size: number;
  /** size x heights x profileFeatures. */
  profile: Float32Array;
  /** size x singleLevel, or empty when there are no single-level features. */
  singleLevel: Float32Array;
  /** size x outputs. */
  target: Float32Array;
}

/** How to iterate a tensor file. */
export interface BatchOptions {
  batchSize: number;
  /** Shuffle with this seed (combine the run seed and the epoch); omit to keep file order. */
  shuffleSeed?: number;
  /** Rows read from disk at a time; bounds memory. */
  blockRows?: number;
  /** Read only the first `limit` rows. */
  limit?: number;
}

/** Number of float32 values in one row. */
export function rowWidth(layout: TensorLayout): number {
  return layout.heights * layout.profileFeatures + layout.singleLevel + layout.outputs;
}

/** Appends rows to a tensor file (`<path>` raw float32, `<path>.json` header). */
export class TensorFileWriter {
  private readonly fd: number;
  private rows = 0;
  readonly width: number;

  constructor(readonly path: string, readonly layout: TensorLayout) {
    this.fd = openSync(path, 'w');
    this.width = rowWidth(layout);
  }

  /** Append `count` rows from a row-major buffer. */
  append(values: Float32Array, count: number): void {
    if (values.length < count * this.width) throw new Error(`tensor rows: expected ${count * this.width} values, got ${values.length}`);
    const bytes = new Uint8Array(values.buffer, values.byteOffset, count * this.width * 4);
    let written = 0;
    while (written < bytes.length) written += writeSync(this.fd, bytes, written, bytes.length - written);
    this.rows += count;
  }

  /** Flush and write the header; returns the header. */
  close(): TensorFileHeader {
    closeSync(this.fd);
    const header: TensorFileHeader = { ...this.layout, rows: this.rows, dtype: 'float32' };
    writeFileSync(`${this.path}.json`, JSON.stringify(header, null, 2));
    return header;
  }
}

/** A tensor file on disk, read in bounded blocks and served as (optionally shuffled) batches. */
export class TensorFile {
  readonly width: number;

  private constructor(readonly path: string, readonly header: TensorFileHeader) {
    this.width = rowWidth(header);
  }

  /** Open a tensor file written by {@link TensorFileWriter}. */
  static open(path: string): TensorFile {
    let header: TensorFileHeader;
    try {
      header = JSON.parse(readFileSync(`${path}.json`, 'utf8')) as TensorFileHeader;
    } catch (error) {
      throw new PrdError(`tensor file ${path} has no readable header (${(error as Error).message}); delete the cache directory and run again`);
    }
    return new TensorFile(path, header);
  }

  get rows(): number {
    return this.header.rows;
  }

  /** Read rows [start, start + count) into a new row-major buffer. */
  readRows(start: number, count: number): Float32Array {
    const out = new Float32Array(count * this.width);
    const fd = openSync(this.path, 'r');
    try {
      const bytes = new Uint8Array(out.buffer);
      let read = 0;
      const offset = start * this.width * 4;
      while (read < bytes.length) {
        const n = readSync(fd, bytes, read, bytes.length - read, offset + read);
        if (n === 0) throw new Error(`tensor file ${this.path} is shorter than its header says`);
        read += n;
      }
    } finally {
      closeSync(fd);
    }
    return out;
  }

  /** Batches over the file; shuffled by blocks and within blocks when `shuffleSeed` is given. */
  *batches(options: BatchOptions): Generator<Batch> {
    const total = Math.min(this.rows, options.limit ?? this.rows);
    const blockRows = Math.max(options.batchSize, options.blockRows ?? 65_536);
    const blocks = Math.ceil(total / blockRows);
    const order = Array.from({ length: blocks }, (_, i) => i);
    const random = options.shuffleSeed === undefined ? undefined : new SeededRandom(options.shuffleSeed);
    random?.shuffle(order);
    // Rows that did not fill a batch at the end of a block are carried into the next block, so every batch but
    // the last has exactly batchSize rows.
    let carry = new Float32Array(0);
    for (const block of order) {
      const start = block * blockRows;
      const count = Math.min(blockRows, total - start);
      const rows = this.readRows(start, count);
      if (random) shuffleRows(rows, this.width, random);
      const merged = carry.length > 0 ? concat(carry, rows) : rows;
      const mergedRows = merged.length / this.width;
      const full = Math.floor(mergedRows / options.batchSize) * options.batchSize;
      for (let r = 0; r < full; r += options.batchSize) yield this.split(merged, r, options.batchSize);
      carry = merged.slice(full * this.width);
    }
    if (carry.length > 0) yield this.split(carry, 0, carry.length / this.width);
  }

  /** Cut `size` rows starting at `row` of a row-major buffer into profile / single-level / target arrays. */
  private split(rows: Float32Array, row: number, size: number): Batch {
    const { heights, profileFeatures, singleLevel, outputs } = this.header;
    const p = heights * profileFeatures;
    const profile = new Float32Array(size * p);
    const single = new Float32Array(size * singleLevel);
    const target = new Float32Array(size * outputs);
    for (let i = 0; i < size; i++) {
      const base = (row + i) * this.width;
      profile.set(rows.subarray(base, base + p), i * p);
      if (singleLevel > 0) single.set(rows.subarray(base + p, base + p + singleLevel), i * singleLevel);
      target.set(rows.subarray(base + p + singleLevel, base + this.width), i * outputs);
    }
    return { size, profile, singleLevel: single, target };
  }
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function shuffleRows(rows: Float32Array, width: number, random: SeededRandom): void {
  const n = rows.length / width;
  const tmp = new Float32Array(width);
  for (let i = n - 1; i > 0; i--) {
    const j = random.int(i + 1);
    if (i === j) continue;
    tmp.set(rows.subarray(i * width, (i + 1) * width));
    rows.copyWithin(i * width, j * width, (j + 1) * width);
    rows.set(tmp, j * width);
  }
}
