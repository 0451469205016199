import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import type { Standardisation } from './column-moments.js';
import { TensorFileWriter, rowWidth, type TensorFileHeader, type TensorLayout } from './tensor-file.js';

/** Rows per bucket: a bucket is read back whole, so this bounds memory (64k rows of 180 doubles: 90 MiB). */
const BUCKET_ROWS = 65_536;

/** Bytes a bucket buffers before it is appended to its file. */
const FLUSH_BYTES = 1 << 20;

interface Bucket {
  fd: number;
  path: string;
  buffer: Float64Array;
  /** Doubles held in `buffer`. */
  used: number;
  /** Rows written to the file. */
  rows: number;
}

/**
 * Rows that arrive in any order, each with its final position, written out as a tensor file in position order
 * without holding them all: rows go to a bucket file by position range (sequential appends), and each bucket is then
 * read back, put in order in memory and appended to the tensor file. Values are kept as doubles until the end, so the
 * float32 tensor is rounded once, after the standardisation.
 */
export class PlacedRowWriter {
  /** Doubles per stored row: the position, then the row's values. */
  private readonly stride: number;
  private readonly buckets: Bucket[] = [];
  private placed = 0;

  constructor(readonly path: string, readonly layout: TensorLayout, readonly rows: number, private readonly bucketRows = BUCKET_ROWS) {
    this.stride = rowWidth(layout) + 1;
  }

  /** Keep the row at index `row` of the column arrays `values` (one array per value of a row) for position `position`. */
  put(position: number, values: ArrayLike<number>[], row: number): void {
    if (!(position >= 0 && position < this.rows)) throw new Error(`row position ${position} is outside 0..${this.rows - 1}`);
    const bucket = this.bucket(Math.floor(position / this.bucketRows));
    const width = this.stride - 1;
    if (bucket.used + this.stride > bucket.buffer.length) this.flush(bucket);
    const out = bucket.buffer;
    let at = bucket.used;
    out[at++] = position;
    for (let c = 0; c < width; c++) out[at++] = values[c][row];
    bucket.used = at;
    this.placed++;
  }

  /**
   * Write the tensor file: every position must have been given exactly one row. The first `mean.length` values of
   * each row are standardised, (x - mean) / std in doubles, before every value is rounded once to float32.
   */
  finish({ mean, std }: Standardisation): TensorFileHeader {
    const width = this.stride - 1;
    const stride = this.stride;
    const scaled = mean.length;
    const writer = new TensorFileWriter(this.path, this.layout);
    try {
      if (this.placed !== this.rows) throw new Error(`${this.placed} rows were given for ${this.rows} positions`);
      const block = new Float32Array(Math.min(this.bucketRows, this.rows) * width);
      const seen = new Uint8Array(this.bucketRows);
      let stored = new Float64Array(0);
      for (let b = 0; b * this.bucketRows < this.rows; b++) {
        const first = b * this.bucketRows;
        const count = Math.min(this.bucketRows, this.rows - first);
        seen.fill(0);
        const bucket = this.buckets[b];
        let used = 0;
        if (bucket) {
          this.flush(bucket);
          used = bucket.rows * stride;
          if (stored.length < used) stored = new Float64Array(used);
          this.readBack(bucket, stored);
        }
        for (let at = 0; at < used; at += stride) {
          const local = stored[at] - first;
          if (seen[local]) throw new Error(`two rows were given for position ${stored[at]}`);
          seen[local] = 1;
          const out = local * width;
          const from = at + 1;
          for (let c = 0; c < scaled; c++) block[out + c] = (stored[from + c] - mean[c]) / std[c];
          for (let c = scaled; c < width; c++) block[out + c] = stored[from + c];
        }
        const empty = seen.subarray(0, count).indexOf(0);
        if (empty >= 0) throw new Error(`no row was given for position ${first + empty}`);
        writer.append(block, count);
      }
    } finally {
      this.discard();
    }
    return writer.close();
  }

  /** Remove the bucket files (also done by finish). */
  discard(): void {
    for (const bucket of this.buckets) {
      if (!bucket) continue;
      try {
        closeSync(bucket.fd);
      } catch {
        // already closed
      }
      rmSync(bucket.path, { force: true });
    }
    this.buckets.length = 0;
  }

  private bucket(index: number): Bucket {
    let bucket = this.buckets[index];
    if (!bucket) {
      const path = `${this.path}.bucket-${index}`;
      bucket = { fd: openSync(path, 'w+'), path, buffer: new Float64Array(Math.max(this.stride, Math.floor(FLUSH_BYTES / 8 / this.stride) * this.stride)), used: 0, rows: 0 };
      this.buckets[index] = bucket;
    }
    return bucket;
  }

  private flush(bucket: Bucket): void {
    const bytes = new Uint8Array(bucket.buffer.buffer, 0, bucket.used * 8);
    let written = 0;
    while (written < bytes.length) written += writeSync(bucket.fd, bytes, written, bytes.length - written);
    bucket.rows += bucket.used / this.stride;
    bucket.used = 0;
  }

  private readBack(bucket: Bucket, into: Float64Array): void {
    const bytes = new Uint8Array(into.buffer, 0, bucket.rows * this.stride * 8);
    let read = 0;
    while (read < bytes.length) {
      const n = readSync(bucket.fd, bytes, read, bytes.length - read, read);
      if (n === 0) throw new Error(`bucket file ${bucket.path} is shorter than what was written to it`);
      read += n;
    }
  }
}
