import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import {
  createPluginInstance, ident, isPrdError, KINDS, PluginRegistry, resolveFeatures, type AnyPlugin, type DataEngine, type Evaluator, type KindTable,
  type MetricTree, type OutputDeclaration, type PluginKind, type Relation, type ResolvedFeatures,
} from '@prd/core';
import { precipDomain, syntheticSql } from '@prd/precip';
import { pluginContext, withEngine } from './context.js';

/** How to exercise the plugins of a package, where they cannot be created from their defaults alone. */
export interface ConformanceOptions {
  /** Options to create a plugin with, by plugin name (for options that are required and have no default). */
  options?: Record<string, Record<string, unknown>>;
  /** The kinds table the plugins belong to (an extension of the built-in one). */
  kinds?: KindTable;
  /** The target an evaluator scores, by plugin name, where it is not band fractions (`binary`). */
  targets?: Record<string, 'bands' | 'binary'>;
}

/**
 * The conformance suite every plugin package runs in one line (`describeConformance(plugins)` in a test file): each
 * plugin's options schema is valid JSON Schema, its defaults validate, its factory returns its kind's interface, a
 * bad option is a PrdError, its output declaration is well formed, and an evaluator reports on a tiny input exactly
 * the metrics it declares.
 */
export function describeConformance(plugins: readonly AnyPlugin[], options: ConformanceOptions = {}): void {
  const kinds: KindTable = options.kinds ?? KINDS;
  describe('prd plugin conformance', () => {
    it('exports at least one plugin, with unique names per kind', () => {
      expect(plugins.length).toBeGreaterThan(0);
      const names = plugins.map((p) => `${p.kind}:${p.name}`);
      expect(new Set(names).size).toBe(names.length);
    });
    for (const plugin of plugins) {
      describe(`${plugin.kind} "${plugin.name}"`, () => {
        const example = options.options?.[plugin.name] ?? {};
        const create = async (withOptions: Record<string, unknown>) => {
          const registry = new PluginRegistry(kinds);
          registry.register(plugin, { packageName: 'conformance', version: '0.0.0', path: '.' });
          return createPluginInstance(registry, plugin.kind as PluginKind, { use: plugin.name, with: withOptions }, `/${plugin.kind}`, pluginContext());
        };

        it('has a kind of the kinds table, a recipe word as name and a one-line description', () => {
          expect(Object.keys(kinds)).toContain(plugin.kind);
          expect(plugin.name).toMatch(/^[a-z0-9][a-z0-9-]*$/);
          expect(plugin.description.trim().length).toBeGreaterThan(0);
          expect(plugin.description).not.toContain('\n');
        });

        it('has an options schema that is valid JSON Schema, for an object', () => {
          const ajv = new Ajv({ strict: false });
          const schema = JSON.parse(JSON.stringify(plugin.options)) as Record<string, unknown>;
          expect(ajv.validateSchema(schema), ajv.errorsText(ajv.errors)).toBe(true);
          expect(() => ajv.compile(schema)).not.toThrow();
          expect(schema.type).toBe('object');
        });

        it('has defaults that satisfy their own schemas', () => {
          const ajv = new Ajv({ strict: false });
          const problems: string[] = [];
          for (const [at, schema] of schemasWithDefaults(JSON.parse(JSON.stringify(plugin.options)), '')) {
            const { default: value, ...rest } = schema;
            if (!ajv.validate(rest, value)) problems.push(`${at || '/'}: default ${JSON.stringify(value)} ${ajv.errorsText(ajv.errors)}`);
          }
          expect(problems).toEqual([]);
        });

        it("creates an instance with its kind's interface", async () => {
          const made = await create(example);
          const members = kinds[plugin.kind]?.members ?? [];
          const instance = made.instance as unknown as Record<string, unknown>;
          expect(instance).toBeTypeOf('object');
          expect(members.filter((m: string) => instance[m] === undefined)).toEqual([]);
        });

        it('reports a bad option as a PrdError that names it', async () => {
          const error = await create({ ...example, notAnOptionOfThisPlugin: 1 }).catch((e: unknown) => e);
          expect(isPrdError(error), String(error)).toBe(true);
          expect(JSON.stringify((error as { issues: unknown }).issues)).toContain('notAnOptionOfThisPlugin');
        });

        if (plugin.outputs) {
          it('declares its outputs well: a label and a direction per metric, ideal with "ideal", a path per file', () => {
            expect(declarationProblems(plugin.outputs!)).toEqual([]);
          });
        }

        if (plugin.kind === 'evaluator') {
          it('reports on a tiny input exactly the metrics it declares, ML and NWP side by side', async () => {
            const declared = Object.keys(plugin.outputs?.metrics ?? {});
            expect(declared.length, 'an evaluator declares its metrics in `outputs.metrics`').toBeGreaterThan(0);
            const tree = await withEngine(async (engine) => {
              const made = await create(example);
              // An evaluator of another target kind (a binary score) gets a tiny input of that kind.
              const { predictions, features } = await tinyPredictions(engine, options.targets?.[plugin.name] ?? 'bands');
              return (made.instance as Evaluator).evaluate({ split: 'test', predictions, features, engine });
            });
            // `<metric>` and its variants `<metric>_<suffix>` (per aggregation) are covered by the declaration of `<metric>`.
            const undeclared = Object.keys(tree).filter((key) => !declared.some((d) => key === d || key.startsWith(`${d}_`)));
            expect(undeclared).toEqual([]);
            expect(declared.filter((d) => !Object.keys(tree).some((key) => key === d || key.startsWith(`${d}_`)))).toEqual([]);
            expect(leaves(tree).every(([, v]) => v === null || typeof v === 'number')).toBe(true);
          });
        }
      });
    }
  });
}

/** Every subschema that carries a `default`, with its JSON pointer (defaults are values: not walked into). */
function* schemasWithDefaults(node: unknown, at: string): Generator<[string, Record<string, unknown>]> {
  if (node === null || typeof node !== 'object') return;
  const schema = node as Record<string, unknown>;
  if (!Array.isArray(node) && 'default' in schema) yield [at, schema];
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'default' || key === 'const' || key === 'enum' || key === 'examples') continue;
    yield* schemasWithDefaults(value, `${at}/${key}`);
  }
}

function declarationProblems(outputs: OutputDeclaration): string[] {
  const problems: string[] = [];
  for (const [name, metric] of Object.entries(outputs.metrics ?? {})) {
    if (!metric.label?.trim()) problems.push(`${name}: no label`);
    if (!['higher', 'lower', 'ideal'].includes(metric.direction)) problems.push(`${name}: direction "${String(metric.direction)}" is not higher, lower or ideal`);
    if (metric.direction === 'ideal' && typeof metric.ideal !== 'number') problems.push(`${name}: direction "ideal" needs an ideal value`);
  }
  for (const file of outputs.files ?? []) if (!file.path?.trim()) problems.push('a file without a path');
  return problems;
}

function leaves(tree: MetricTree, path = ''): Array<[string, unknown]> {
  return Object.entries(tree).flatMap(([key, value]) =>
    value !== null && typeof value === 'object' && !Array.isArray(value) ? leaves(value as MetricTree, `${path}/${key}`) : [[`${path}/${key}`, value] as [string, unknown]],
  );
}

/**
 * A tiny prediction table in the precipitation domain's layout: 1 event x 1 time x 6 cells x 3 members of the
 * synthetic generator, with the NWP probabilities blended towards the truth as the ML columns.
 */
export async function tinyPredictions(engine: DataEngine, task: 'bands' | 'binary' = 'bands'): Promise<{ predictions: Relation; features: ResolvedFeatures }> {
  const data = syntheticSql({ seed: 3, events: 1, times: 1, cells: 6, members: 3 });
  if (task === 'binary') {
    // Rain / no rain from the radar mean rate, and a forecast probability that leans the right way.
    const rows = `SELECT *, (radar_mean_rain_instant > 0.1)::DOUBLE AS raining FROM (${data})`;
    const columns = (await engine.columns({ sql: rows })).map((c) => c.name);
    const features = resolveFeatures({ profile: ['relative_humidity'], target: { column: 'raining', binary: true }, baseline: false }, columns, { domain: precipDomain });
    return { predictions: { sql: `SELECT *, 0.2 + 0.6 * raining AS ${ident(features.prefixes.ml)} FROM (${rows})` }, features };
  }
  const columns = (await engine.columns({ sql: data })).map((c) => c.name);
  const features = resolveFeatures({ profile: ['relative_humidity'], target: { bands: 'standard-5' }, baseline: {} }, columns, { domain: precipDomain });
  const nwp = features.baseline.kind === 'none' ? [] : features.baseline.columns;
  const ml = features.targetColumns.map((truth, i) => `(${ident(truth)} + ${ident(nwp[i] ?? truth)}) / 2 AS ${ident(`${features.prefixes.ml}_${features.bands[i]!.key}`)}`);
  return { predictions: { sql: `SELECT *, ${ml.join(', ')} FROM (${data})` }, features };
}
