import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { definePlugin, type AnyPlugin } from '../plugin/contract.js';
import { PluginRegistry } from '../plugin/registry.js';

/** A fresh temporary directory. */
export function tempDir(prefix = 'prd-core-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

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
