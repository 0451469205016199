import { KINDS, type KindDeclaration, type KindTable } from '@prd/core/kinds';

/** What the generator writes for one plugin kind: the plugin source, its test, dependencies and recipe usage. */
export interface KindTemplate {
  description: string;
  dependencies: Record<string, string>;
  /** Recipe slot snippet showing how to use the plugin. */
  usage: (name: string) => unknown;
  /** `src/<plugin>.ts`; `__ID__` and `__NAME__` are replaced by the identifier and the plugin name. */
  source: string;
  /** `src/<plugin>.test.ts`. */
  test: string;
  /** Options the conformance suite creates the plugin with, where required options have no default. */
  conformanceOptions?: Record<string, unknown>;
}

const core = { '@prd/core': '*', '@sinclair/typebox': '^0.34.41' };

const header = (imports: string) => `import { Type } from '@sinclair/typebox';\n${imports}\n`;

/** Templates by kind. Each is a small but real plugin whose test passes as generated. */
export const KIND_TEMPLATES: Record<string, KindTemplate> = {
  source: {
    description: 'Reads a CSV file into prd.',
    dependencies: core,
    usage: (name) => ({ data: { source: { use: name, with: { path: 'data/table.csv' } } } }),
    conformanceOptions: { path: 'data/table.csv' },
    source: `${header("import { resolve } from 'node:path';\nimport { definePlugin, filesFingerprint, literal, PrdError } from '@prd/core';\nimport { existsSync } from 'node:fs';")}
/** A source that reads one CSV file (change it to read your format). */
export const __ID__ = definePlugin({
  kind: 'source',
  name: '__NAME__',
  description: 'Reads one CSV file.',
  options: Type.Object({ path: Type.String({ description: 'CSV file, relative to the recipe.' }) }, { additionalProperties: false }),
  create(options, ctx) {
    return {
      async open() {
        const path = resolve(ctx.baseDir, options.path);
        if (!existsSync(path)) throw PrdError.of({ pointer: \`\${ctx.pointer}/with/path\`, message: \`file \${path} does not exist\` });
        return { relation: { sql: \`SELECT * FROM read_csv(\${literal(path)}, header = true)\` }, fingerprint: filesFingerprint([path]), description: \`CSV file \${options.path}\`, files: [path] };
      },
    };
  },
});
`,
    test: `import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataEngine, RunEvents } from '@prd/core';
import { describe, expect, it } from 'vitest';
import { __ID__ } from './__NAME__.js';

describe('__NAME__ source', () => {
  it('reads the rows of a CSV file', async () => {
    const dir = mkdtempSync(join(tmpdir(), '__NAME__-'));
    writeFileSync(join(dir, 'table.csv'), 'time,rain\\n2020-01-01 00:00:00,0.5\\n2020-01-01 06:00:00,1.5\\n');
    const engine = await DataEngine.open();
    const ctx = { seed: 1, baseDir: dir, pointer: '/data/source', events: new RunEvents(), tempDir: dir };
    const source = await __ID__.create({ path: 'table.csv' }, ctx);
    const data = await source.open({ ...ctx, engine, spec: { profile: ['x'], target: { column: 'rain' } } });
    expect(await engine.rows(\`SELECT sum(rain) AS total FROM (\${data.relation.sql})\`)).toEqual([{ total: 2 }]);
    engine.close();
  });
});
`,
  },
  transform: {
    description: 'Keeps the rows whose column is below a limit.',
    dependencies: core,
    usage: (name) => ({ data: { transforms: [{ use: name, with: { column: 'radar_mean_rain_instant', below: 50 } }] } }),
    conformanceOptions: { column: 'radar_mean_rain_instant', below: 50 },
    source: `${header("import { definePlugin, ident } from '@prd/core';")}
/** A transform that keeps the rows whose column is below a limit (change it to derive or filter what you need). */
export const __ID__ = definePlugin({
  kind: 'transform',
  name: '__NAME__',
  description: 'Keeps the rows whose column is below a limit.',
  options: Type.Object({ column: Type.String(), below: Type.Number() }, { additionalProperties: false }),
  create(options) {
    return { apply: (input) => ({ sql: \`SELECT * FROM (\${input.sql}) WHERE \${ident(options.column)} < \${options.below}\` }) };
  },
});
`,
    test: `import { DataEngine, RunEvents } from '@prd/core';
import { describe, expect, it } from 'vitest';
import { __ID__ } from './__NAME__.js';

describe('__NAME__ transform', () => {
  it('keeps only the rows below the limit', async () => {
    const engine = await DataEngine.open();
    const ctx = { seed: 1, baseDir: '.', pointer: '/data/transforms/0', events: new RunEvents(), tempDir: '.' };
    const transform = await __ID__.create({ column: 'rain', below: 50 }, ctx);
    const input = { sql: 'SELECT * FROM (VALUES (1.0), (49.9), (50.0), (120.0)) t(rain)' };
    const output = await transform.apply(input, { ...ctx, engine, spec: { profile: ['x'], target: { column: 'rain' } }, features: {} as never, columns: [] });
    expect(await engine.count(output)).toBe(2);
    engine.close();
  });
});
`,
  },
  sampler: {
    description: 'Splits rows into train / validation / test by a seeded hash of each row.',
    dependencies: core,
    usage: (name) => ({ split: { use: name, with: { validation: 0.2, test: 0.2 } } }),
    source: `${header("import { definePlugin } from '@prd/core';")}
/** A sampler that labels each row by a seeded hash (change the key to keep groups of rows together). */
export const __ID__ = definePlugin({
  kind: 'sampler',
  name: '__NAME__',
  description: 'Splits rows by a seeded hash of each row.',
  options: Type.Object({ validation: Type.Number({ minimum: 0, maximum: 1, default: 0.2 }), test: Type.Number({ minimum: 0, maximum: 1, default: 0.2 }) }, { additionalProperties: false }),
  create(options, ctx) {
    return {
      assign(input) {
        const u = \`(hash(row_number() OVER (), \${ctx.seed}) % 1000000) / 1000000.0\`;
        const label = \`CASE WHEN \${u} < \${options.test} THEN 'test' WHEN \${u} < \${options.test + options.validation} THEN 'validation' ELSE 'train' END\`;
        return { sql: \`SELECT *, \${label} AS split FROM (\${input.sql})\` };
      },
    };
  },
});
`,
    test: `import { DataEngine, RunEvents } from '@prd/core';
import { describe, expect, it } from 'vitest';
import { __ID__ } from './__NAME__.js';

describe('__NAME__ sampler', () => {
  it('labels every row and roughly honours the fractions', async () => {
    const engine = await DataEngine.open({ threads: 1 });
    const ctx = { seed: 7, baseDir: '.', pointer: '/split', events: new RunEvents(), tempDir: '.' };
    const sampler = await __ID__.create({ validation: 0.2, test: 0.2 }, ctx);
    const out = await sampler.assign({ sql: 'SELECT * FROM range(10000) t(i)' }, { ...ctx, engine, spec: { profile: ['x'], target: { column: 'i' } }, features: {} as never, columns: [] });
    const rows = await engine.rows<{ split: string; n: bigint }>(\`SELECT split, count(*) AS n FROM (\${out.sql}) GROUP BY split ORDER BY split\`);
    expect(rows.map((r) => r.split)).toEqual(['test', 'train', 'validation']);
    for (const r of rows) expect(Number(r.n) / 10000).toBeCloseTo(r.split === 'train' ? 0.6 : 0.2, 1);
    engine.close();
  });
});
`,
  },
  rebalancer: {
    description: 'Caps the training rows at a maximum by seeded sampling.',
    dependencies: core,
    usage: (name) => ({ rebalance: { use: name, with: { maxRows: 100000 } } }),
    conformanceOptions: { maxRows: 1000 },
    source: `${header("import { definePlugin } from '@prd/core';")}
/** A rebalancer that keeps at most maxRows training rows, chosen with the run's seed. */
export const __ID__ = definePlugin({
  kind: 'rebalancer',
  name: '__NAME__',
  description: 'Caps the training rows at a maximum by seeded sampling.',
  options: Type.Object({ maxRows: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
  create(options, ctx) {
    return { apply: (train) => ({ sql: \`SELECT * FROM (\${train.sql}) ORDER BY hash(__row, \${ctx.seed}) LIMIT \${options.maxRows}\` }) };
  },
});
`,
    test: `import { DataEngine, RunEvents } from '@prd/core';
import { describe, expect, it } from 'vitest';
import { __ID__ } from './__NAME__.js';

describe('__NAME__ rebalancer', () => {
  it('keeps at most maxRows rows', async () => {
    const engine = await DataEngine.open();
    const ctx = { seed: 3, baseDir: '.', pointer: '/rebalance', events: new RunEvents(), tempDir: '.' };
    const rebalancer = await __ID__.create({ maxRows: 10 }, ctx);
    const out = await rebalancer.apply({ sql: 'SELECT i AS __row FROM range(100) t(i)' }, { ...ctx, engine, spec: { profile: ['x'], target: { column: 'i' } }, features: {} as never, columns: [] });
    expect(await engine.count(out)).toBe(10);
    engine.close();
  });
});
`,
  },
  model: {
    description: 'A small dense network over the flattened profile.',
    dependencies: { ...core, '@tensorflow/tfjs-core': '4.22.0', '@tensorflow/tfjs-layers': '4.22.0', '@tensorflow/tfjs-backend-cpu': '4.22.0' },
    usage: (name) => ({ model: { use: name, with: { units: 64 } } }),
    source: `${header("import * as tf from '@tensorflow/tfjs-layers';\nimport { definePlugin } from '@prd/core';")}
/** A model: flatten the (heights x features) profile, one hidden dense layer, softmax bands or a linear output. */
export const __ID__ = definePlugin({
  kind: 'model',
  name: '__NAME__',
  description: 'A small dense network over the flattened profile.',
  options: Type.Object({ units: Type.Integer({ minimum: 1, default: 64 }) }, { additionalProperties: false }),
  create(options) {
    return {
      build(shape) {
        const input = tf.input({ shape: [shape.heights, shape.profileFeatures], name: 'profile_input' });
        const hidden = tf.layers.dense({ units: options.units, activation: 'relu' }).apply(tf.layers.flatten().apply(input));
        const output = tf.layers.dense({ units: shape.outputs, activation: shape.task === 'bands' ? 'softmax' : 'linear', name: 'main_output' }).apply(hidden);
        return tf.model({ inputs: input, outputs: output as tf.SymbolicTensor });
      },
    };
  },
});
`,
    test: `import '@tensorflow/tfjs-backend-cpu';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { RunEvents } from '@prd/core';
import { describe, expect, it } from 'vitest';
import { __ID__ } from './__NAME__.js';

describe('__NAME__ model', () => {
  it('maps a (heights x features) profile to one output per band', async () => {
    const ctx = { seed: 1, baseDir: '.', pointer: '/model', events: new RunEvents(), tempDir: '.' };
    const builder = await __ID__.create({ units: 8 }, ctx);
    const model = (await builder.build({ heights: 33, profileFeatures: 5, singleLevel: 0, outputs: 5, task: 'bands' })) as LayersModel;
    expect(model.outputs[0].shape).toEqual([null, 5]);
    expect(model.countParams()).toBe(33 * 5 * 8 + 8 + 8 * 5 + 5);
  });
});
`,
  },
  tracker: {
    description: 'Appends every epoch of every run to a JSON-lines file.',
    dependencies: core,
    usage: (name) => ({ track: [{ use: name, with: { file: 'epochs.jsonl' } }] }),
    source: `${header("import { appendFileSync } from 'node:fs';\nimport { resolve } from 'node:path';\nimport { definePlugin } from '@prd/core';")}
/** A tracker that appends each epoch's metrics to a JSON-lines file (change it to send them to your service). */
export const __ID__ = definePlugin({
  kind: 'tracker',
  name: '__NAME__',
  description: 'Appends every epoch of every run to a JSON-lines file.',
  options: Type.Object({ file: Type.String({ default: 'epochs.jsonl' }) }, { additionalProperties: false }),
  create(options, ctx) {
    const file = resolve(ctx.baseDir, options.file);
    let runId = '';
    return {
      async runStarted(run) {
        runId = run.runId;
      },
      epochEnded(record) {
        appendFileSync(file, \`\${JSON.stringify({ runId, ...record })}\\n\`);
      },
    };
  },
});
`,
    test: `import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunEvents } from '@prd/core';
import { describe, expect, it } from 'vitest';
import { __ID__ } from './__NAME__.js';

describe('__NAME__ tracker', () => {
  it('writes one line per epoch with the run id', async () => {
    const dir = mkdtempSync(join(tmpdir(), '__NAME__-'));
    const tracker = await __ID__.create({ file: 'epochs.jsonl' }, { seed: 1, baseDir: dir, pointer: '/track/0', events: new RunEvents(), tempDir: dir });
    await tracker.runStarted?.({ runId: 'r1', runDir: dir, name: 'x', recipe: {}, tags: {}, startTime: 0 });
    await tracker.epochEnded?.({ epoch: 1, metrics: { loss: 0.5 }, timestamp: 1, durationMs: 10 });
    const lines = readFileSync(join(dir, 'epochs.jsonl'), 'utf8').trim().split('\\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([{ runId: 'r1', epoch: 1, metrics: { loss: 0.5 }, timestamp: 1, durationMs: 10 }]);
  });
});
`,
  },
  evaluator: {
    description: 'Mean absolute error of the ML band fractions, next to the NWP baseline.',
    dependencies: core,
    usage: (name) => ({ evaluate: [{ use: name }] }),
    source: `${header("import { definePlugin, ident } from '@prd/core';")}
/** An evaluator: mean absolute error of ML and NWP band fractions against the truth, per band. */
export const __ID__ = definePlugin({
  kind: 'evaluator',
  name: '__NAME__',
  description: 'Mean absolute error of ML and NWP band fractions, per band.',
  options: Type.Object({}, { additionalProperties: false }),
  // What the report shows: the metric's label and which way is better (the conformance suite checks it is produced).
  outputs: { metrics: { __METRIC__: { label: 'Mean absolute error', direction: 'lower', keys: 'bands' } } },
  create() {
    return {
      async evaluate({ predictions, features, engine }) {
        const result: Record<string, { ml: number | null; nwp: number | null }> = {};
        for (const [i, band] of features.bands.entries()) {
          const truth = ident(features.targetColumns[i]);
          const ml = ident(\`\${features.prefixes.ml}_\${band.key}\`);
          const nwp = features.baseline.kind === 'none' ? 'NULL' : ident(features.baseline.columns[i]);
          const [row] = await engine.rows<{ ml: number | null; nwp: number | null }>(\`SELECT avg(abs(\${ml} - \${truth})) AS ml, avg(abs(\${nwp} - \${truth})) AS nwp FROM (\${predictions.sql})\`);
          result[band.key] = row;
        }
        return { __METRIC__: result };
      },
    };
  },
});
`,
    test: `import { DataEngine, RunEvents, resolveFeatures } from '@prd/core';
import { describe, expect, it } from 'vitest';
import { __ID__ } from './__NAME__.js';

describe('__NAME__ evaluator', () => {
  it('scores ML and NWP per band against the truth', async () => {
    const engine = await DataEngine.open();
    const columns = ['t_5.0', 'truth_0.0', 'truth_1.0', 'nwp_0.0', 'nwp_1.0'];
    const spec = { profile: ['t'], target: { bands: { '0.0': [0, 1], '1.0': [1, 2] }, source: 'truth' }, baseline: { source: 'nwp' }, metadata: [] };
    const features = resolveFeatures(spec, columns);
    const predictions = { sql: 'SELECT * FROM (VALUES (1.0, 0.0, 0.5, 0.5, 0.9, 0.1)) t("truth_0.0", "truth_1.0", "nwp_0.0", "nwp_1.0", "ml_truth_0.0", "ml_truth_1.0")' };
    const evaluator = await __ID__.create({}, { seed: 1, baseDir: '.', pointer: '/evaluate/0', events: new RunEvents(), tempDir: '.' });
    const metrics = await evaluator.evaluate({ split: 'test', predictions, features, engine, outDir: '.' } as never);
    expect(metrics.__METRIC__).toEqual({ '0.0': { ml: expect.closeTo(0.1, 9), nwp: 0.5 }, '1.0': { ml: expect.closeTo(0.1, 9), nwp: 0.5 } });
    engine.close();
  });
});
`,
  },
};

/**
 * A scaffold for a kind that has no template of its own (a kind added to the kinds table, a backend, a domain): the
 * plugin object with an options schema, and a test that it registers and gets its options' defaults.
 */
export function genericTemplate(kind: string, declaration: KindDeclaration): KindTemplate {
  return {
    description: declaration.description,
    dependencies: core,
    usage: (name) => ({ [declaration.slot.slice(1).split('/').join('.')]: declaration.many ? [{ use: name }] : { use: name } }),
    source: `${header(`import { definePlugin, type KindInstances } from '@prd/core';`)}
/** A ${kind} plugin: ${declaration.description} */
export const __ID__ = definePlugin({
  kind: '${kind}',
  name: '__NAME__',
  description: '${declaration.description.replaceAll("'", "\\'")}',
  options: Type.Object({ label: Type.String({ default: '__NAME__', description: 'An example option.' }) }, { additionalProperties: false }),
  create(options) {
    // Return the ${kind} interface (KindInstances['${kind}'] in @prd/core; members: ${(declaration.members ?? []).join(', ') || 'all optional'}).
    // The options arrive validated, defaults applied. Each member below says what to write until you write it.
    const instance = {
      label: options.label,
${(declaration.members ?? []).map((m) => `      ${m}: () => {
        throw new Error('${kind} "__NAME__": write ${m} (its interface is KindInstances.${kind} in @prd/core; see docs/plugins.md)');
      },`).join('\n')}
    };
    return instance as unknown as KindInstances['${kind}'];
  },
});
`,
    test: `import { createPluginInstance, PluginRegistry, RunEvents } from '@prd/core';
import { describe, expect, it } from 'vitest';
import { __ID__ } from './__NAME__.js';

describe('__NAME__ ${kind}', () => {
  it('registers as a ${kind} plugin and receives its options with defaults', async () => {
    const registry = new PluginRegistry();
    registry.register(__ID__, { packageName: 'test', version: '0.0.0', path: '.' });
    const made = await createPluginInstance(registry, '${kind}', { use: '__NAME__' }, '${declaration.slot}', { seed: 1, baseDir: '.', pointer: '', events: new RunEvents(), tempDir: '.' });
    expect(made.options).toEqual({ label: '__NAME__' });
  });
});
`,
  };
}

/** The kinds the generator offers: every kind of the kinds table, with its own template or the generic one. */
export function generatorKinds(kinds: KindTable = KINDS): Array<{ kind: string; description: string; template: KindTemplate }> {
  return Object.entries(kinds).map(([kind, declaration]) => ({ kind, description: declaration.description, template: KIND_TEMPLATES[kind] ?? genericTemplate(kind, declaration) }));
}
