import type { TSchema } from '@sinclair/typebox';
import type { PluginKind } from '../plugin/contract.js';
import type { PluginRegistry } from '../plugin/registry.js';
import { recipeSchema } from './base-schema.js';

/** JSON Schema of one plugin slot: a union of the installed plugins of that kind, discriminated on `use`. */
export function slotSchema(registry: PluginRegistry, kind: PluginKind): TSchema {
  const plugins = registry.list(kind);
  if (plugins.length === 0) {
    return {
      type: 'object',
      description: `No ${kind} plugin is installed.`,
      properties: { use: { type: 'string' }, with: { type: 'object' } },
      required: ['use'],
      'x-prd-kind': kind,
      'x-prd-no-plugins': true,
    } as unknown as TSchema;
  }
  return {
    type: 'object',
    description: `A ${kind} plugin: ${plugins.map((p) => p.plugin.name).join(', ')}.`,
    required: ['use'],
    discriminator: { propertyName: 'use' },
    'x-prd-kind': kind,
    oneOf: plugins.map(({ plugin, origin }) => ({
      type: 'object',
      title: `${plugin.name} (${origin.packageName})`,
      description: plugin.description,
      properties: {
        use: { const: plugin.name, description: plugin.description },
        with: { ...(plugin.options as object), default: {} },
      },
      required: ['use'],
      additionalProperties: false,
    })),
  } as unknown as TSchema;
}

/**
 * A copy of `schema` in which no object requires a property that has a default. Validation fills defaults before it
 * checks `required`, so the answer of `prd validate` is unchanged; an editor, which fills nothing, would otherwise
 * report every omitted option as missing (TypeBox marks every property without `Type.Optional` as required).
 */
export function withoutDefaultedRequired<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map((item: unknown) => withoutDefaultedRequired(item)) as T;
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: Record<string | symbol, unknown> = {};
  for (const key of Reflect.ownKeys(schema)) {
    const value = (schema as Record<string | symbol, unknown>)[key];
    // `default` and `const` are values, not schemas: copied as they are.
    copy[key] = key === 'default' || key === 'const' || key === 'enum' || key === 'examples' ? value : withoutDefaultedRequired(value);
  }
  const properties = copy.properties as Record<string, unknown> | undefined;
  if (Array.isArray(copy.required) && properties && typeof properties === 'object') {
    const required = (copy.required as string[]).filter((name) => {
      const property = properties[name];
      return !(property !== null && typeof property === 'object' && 'default' in property);
    });
    if (required.length > 0) copy.required = required;
    else delete copy.required;
  }
  return copy as T;
}

/** The recipe schema composed from the installed plugins; `prd schema` writes it to recipes/recipe.schema.json. */
export function composeRecipeSchema(registry: PluginRegistry): TSchema {
  return withoutDefaultedRequired(recipeSchema((kind) => slotSchema(registry, kind as PluginKind), registry.kinds));
}

/** The composed schema as a plain JSON object, ready to write (TypeBox's symbols removed). */
export function recipeSchemaJson(registry: PluginRegistry): Record<string, unknown> {
  const schema = JSON.parse(JSON.stringify(composeRecipeSchema(registry))) as Record<string, unknown>;
  // A recipe that `extends` another gets its required blocks from the parent, which an editor cannot see: the
  // top-level blocks are required only of a recipe without "extends" (prd validates the merged recipe either way).
  const { required, ...rest } = schema;
  const conditional = Array.isArray(required) ? { if: { required: ['extends'] }, else: { required } } : {};
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...rest, ...conditional };
}
