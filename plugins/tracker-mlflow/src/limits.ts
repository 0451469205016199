/** A key and a string value (params and tags). */
export interface KeyValue {
  key: string;
  value: string;
}

/** One metric point as MLflow stores it. The server may return non-finite values as strings ("NaN"). */
export interface Metric {
  key: string;
  value: number | string;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  step: number;
}

/** MLflow's limits (mlflow/utils/validation.py); the smaller 2.x tag limit keeps old servers working. */
export const LIMITS = {
  metricsPerBatch: 1000,
  paramsTagsPerBatch: 100,
  entitiesPerBatch: 1000,
  /** The server rejects bodies over 1 MB; stay clear of it. */
  batchBytes: 900_000,
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 5000,
} as const;

const KEY_CHARS = /[^\w.\- /]/g;

/**
 * A valid MLflow key for any text: characters outside `[/\w.\- ]` become `_`, and path tricks that MLflow rejects
 * (`..`, leading `/`, `./`, `//`) are flattened. Long keys keep their end, where the distinguishing part usually is.
 */
export function mlflowKey(raw: string): string {
  let key = raw.replace(KEY_CHARS, '_').replace(/\/{2,}/g, '/').replace(/^\/+|\/+$/g, '');
  key = key
    .split('/')
    .map((part) => (part === '.' || part === '..' ? part.replace(/\./g, '_') : part))
    .join('/');
  if (key === '') key = '_';
  if (key.length > LIMITS.keyLength) key = `~${key.slice(key.length - LIMITS.keyLength + 1)}`;
  return key;
}

/** Cut a value to MLflow's limit, marking the cut so nobody mistakes it for the whole value. */
export function limitValue(value: string, max: number): string {
  if (value.length <= max) return value;
  const marker = ` …[${value.length - max + 20} more chars; see the run's artifacts]`;
  return value.slice(0, max - marker.length) + marker;
}

/** A metric value as JSON can carry it: MLflow parses the strings "NaN", "Infinity" and "-Infinity". */
export function metricValue(value: number | null): number | string {
  if (value === null || Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

/** What one `log-batch` request carries. */
export interface Batch {
  metrics: Metric[];
  params: KeyValue[];
  tags: KeyValue[];
}

/**
 * Split metrics, params and tags into `log-batch` requests within MLflow's limits: at most 1000 metrics, 100 params,
 * 100 tags and 1000 entities in all, and a JSON body well under 1 MB. Order is kept within each kind.
 */
export function planBatches(metrics: Metric[], params: KeyValue[], tags: KeyValue[]): Batch[] {
  const batches: Batch[] = [];
  let current: Batch = { metrics: [], params: [], tags: [] };
  let bytes = 64;
  const flush = () => {
    if (current.metrics.length + current.params.length + current.tags.length > 0) batches.push(current);
    current = { metrics: [], params: [], tags: [] };
    bytes = 64;
  };
  const add = (kind: keyof Batch, item: Metric | KeyValue, limit: number) => {
    const size = Buffer.byteLength(JSON.stringify(item)) + 1;
    const total = current.metrics.length + current.params.length + current.tags.length;
    if (current[kind].length >= limit || total >= LIMITS.entitiesPerBatch || bytes + size > LIMITS.batchBytes) flush();
    (current[kind] as Array<Metric | KeyValue>).push(item);
    bytes += size;
  };
  for (const p of params) add('params', p, LIMITS.paramsTagsPerBatch);
  for (const t of tags) add('tags', t, LIMITS.paramsTagsPerBatch);
  for (const m of metrics) add('metrics', m, LIMITS.metricsPerBatch);
  flush();
  return batches;
}
