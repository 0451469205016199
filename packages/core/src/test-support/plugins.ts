import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { definePlugin, type AnyPlugin, type Domain } from '../plugin/contract.js';
import { PluginRegistry } from '../plugin/registry.js';
import { ident, literal } from '../data/engine.js';

/** A fresh temporary directory. */
export function tempDir(prefix = 'prd-core-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A data domain with one band set and the seed's column names, for engine tests. */
export const testDomain: Domain = {
  bandSets: {
    'standard-5': [
      { key: '0.0', lower: 0, upper: 0.01 },
      { key: '0.25', lower: 0.01, upper: 0.5 },
      { key: '2.5', lower: 0.5, upper: 4 },
      { key: '7.0', lower: 4, upper: 10 },
      { key: '10.0', lower: 10, upper: 220 },
    ],
  },
  defaults: { metadata: ['time', 'realization', 'latitude', 'longitude'], member: 'realization', targetSource: 'radar_fraction_in_band_instant', nwpSource: 'mogrepsg_fraction_in_band_instant' },
  mlPrefix: (truth) => `ml_${truth.replace(/^radar_/, '')}`,
  ensembleProbabilities: (input, rate, bands, prefix, groupBy) => ({
    sql: `SELECT *, ${bands.map((b) => `avg(CASE WHEN ${ident(rate)} >= ${literal(b.lower)} AND ${ident(rate)} < ${literal(b.upper)} THEN 1.0 ELSE 0.0 END) OVER (PARTITION BY ${groupBy.map(ident).join(', ')}) AS ${ident(`${prefix}_${b.key}`)}`).join(', ')} FROM (${input.sql})`,
  }),
};

/** Small real plugins of every kind, for testing the engine's recipe and schema handling. */
export const testPlugins: AnyPlugin[] = [
  definePlugin({
    kind: 'source',
    name: 'csv',
    description: 'CSV files',
    options: Type.Object({ paths: Type.Array(Type.String(), { minItems: 1 }), delimiter: Type.Optional(Type.String({ default: ',' })) }, { additionalProperties: false }),
    create: () => ({ open: async () => ({ relation: { sql: 'SELECT 1 AS a' }, fingerprint: 'x', description: 'csv' }) }),
  }),
  definePlugin({
    kind: 'source',
    name: 'synthetic',
    description: 'Synthetic rows',
    options: Type.Object({ rows: Type.Integer({ minimum: 1, default: 100 }) }, { additionalProperties: false }),
    create: () => ({ open: async () => ({ relation: { sql: 'SELECT 1 AS a' }, fingerprint: 'y', description: 'synthetic' }) }),
  }),
  definePlugin({
    kind: 'domain',
    name: 'precip',
    description: 'A small stand-in for the precipitation domain (core must not import @prd/precip)',
    options: Type.Object({}, { additionalProperties: false }),
    create: () => testDomain,
  }),
  definePlugin({
    kind: 'transform',
    name: 'drop-missing',
    description: 'Drop rows with missing values',
    options: Type.Object({}, { additionalProperties: false }),
    create: () => ({ apply: (input) => input }),
  }),
  definePlugin({
    kind: 'sampler',
    name: 'random',
    description: 'Random split',
    options: Type.Object({ validation: Type.Number({ minimum: 0, maximum: 1, default: 0.2 }), test: Type.Number({ minimum: 0, maximum: 1, default: 0.2 }) }, { additionalProperties: false }),
    create: () => ({ assign: (input) => ({ sql: `SELECT *, 'train' AS split FROM (${input.sql})` }) }),
  }),
  definePlugin({
    kind: 'model',
    name: 'mlp',
    description: 'MLP',
    options: Type.Object({ units: Type.Array(Type.Integer({ minimum: 1 }), { default: [32] }) }, { additionalProperties: false }),
    create: () => ({ build: () => ({}) }),
  }),
  definePlugin({
    kind: 'backend',
    name: 'local',
    description: 'Local compute',
    options: Type.Object({ device: Type.Union([Type.Literal('auto'), Type.Literal('cpu'), Type.Literal('wasm')], { default: 'auto' }) }, { additionalProperties: false }),
    create: () => ({
      describe: () => 'local',
      train: async () => {
        throw new Error('not used in these tests');
      },
      predict: async () => new Float32Array(0),
    }),
  }),
  definePlugin({
    kind: 'evaluator',
    name: 'fss',
    description: 'Fractions skill score',
    options: Type.Object({}, { additionalProperties: false }),
    create: () => ({ evaluate: async () => ({}) }),
  }),
];

/** A registry holding {@link testPlugins}. */
export function testRegistry(): PluginRegistry {
  const registry = new PluginRegistry();
  for (const plugin of testPlugins) registry.register(plugin, { packageName: '@prd/test-plugins', version: '1.0.0', path: '/test' });
  return registry;
}
