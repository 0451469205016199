/** @prd/tools: nx generators for prd. */
export { default as pluginGenerator, defaultPluginName, type PluginGeneratorOptions } from './generators/plugin/generator.js';
export { KIND_TEMPLATES, generatorKinds, genericTemplate, type KindTemplate } from './generators/plugin/kinds.js';
