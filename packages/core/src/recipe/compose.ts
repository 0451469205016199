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

/** The recipe schema composed from the installed plugins; `prd schema` writes it to recipes/recipe.schema.json. */
export function composeRecipeSchema(registry: PluginRegistry): TSchema {
  return recipeSchema((kind) => slotSchema(registry, kind as PluginKind), registry.kinds);
}

/** The composed schema as a plain JSON object, ready to write (TypeBox's symbols removed). */
export function recipeSchemaJson(registry: PluginRegistry): Record<string, unknown> {
  const schema = JSON.parse(JSON.stringify(composeRecipeSchema(registry))) as Record<string, unknown>;
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...schema };
}
