import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { testRegistry } from '../test-support/plugins.js';
import { recipeSchemaJson } from './compose.js';

describe('composed recipe schema', () => {
  const schema = recipeSchemaJson(testRegistry()) as Record<string, any>;

  it('makes each slot a union of the installed plugins, discriminated on "use", with their own options', () => {
    const source = schema.properties.data.properties.source;
    expect(source.discriminator).toEqual({ propertyName: 'use' });
    expect(source.oneOf.map((b: any) => b.properties.use.const)).toEqual(['csv', 'synthetic']);
    expect(source.oneOf[0].properties.with.properties.paths).toMatchObject({ type: 'array', minItems: 1 });
    expect(schema.properties.evaluate.items.oneOf.map((b: any) => b.properties.use.const)).toEqual(['fss']);
  });

  it('is plain JSON that a standard validator (and so an editor) can use', () => {
    const ajv = new Ajv({ discriminator: true, strict: false });
    const validate = ajv.compile(JSON.parse(JSON.stringify(schema)));
    const recipe = {
      $schema: './recipe.schema.json',
      name: 'x',
      data: { source: { use: 'synthetic', with: { rows: 10 } }, features: { profile: ['a'], target: { bands: 'standard-5' } } },
      split: { use: 'random' },
      model: { use: 'mlp' },
      train: { epochs: 1, batchSize: 8 },
    };
    expect(validate(recipe)).toBe(true);
    expect(validate({ ...recipe, data: { ...recipe.data, source: { use: 'synthetic', with: { rows: 0 } } } })).toBe(false);
  });

  it('requires only what has no default, so an editor does not report omitted options as missing', () => {
    const defaultedButRequired: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (node === null || typeof node !== 'object') return;
      const object = node as { required?: string[]; properties?: Record<string, { default?: unknown }> };
      for (const name of object.required ?? []) if (object.properties?.[name] && 'default' in object.properties[name]) defaultedButRequired.push(`${at}/${name}`);
      for (const [key, value] of Object.entries(node)) if (key !== 'default' && key !== 'const') walk(value, `${at}/${key}`);
    };
    walk(schema, '');
    expect(defaultedButRequired).toEqual([]);
    // The top-level blocks are required of a recipe without "extends" (a parent gives them otherwise).
    expect(schema.if).toEqual({ required: ['extends'] });
    expect(schema.else.required).toEqual(expect.arrayContaining(['name', 'data', 'split', 'model', 'train']));
    expect(schema.else.required).not.toContain('seed');
    expect(schema.properties.data.properties.source.oneOf[0].required).toEqual(['use']);
  });
});
