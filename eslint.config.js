// One flat config for the whole workspace; each project lints its own src with it.
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Which projects may import which, by the tag in each package.json's "nx.tags": cli -> core (and the report it
// renders with, and the domain whose synthetic files `prd data synth` writes); plugins -> core, tensor, the
// precipitation domain, the fused kernels, the Azure client and the sweep library (a sweep sent to AzureML); never back (core imports no other project), and no plugin imports another plugin.
const product = [
  { sourceTag: 'type:core', onlyDependOnLibsWithTags: ['type:core'] },
  { sourceTag: 'type:tensor', onlyDependOnLibsWithTags: ['type:core'] },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:core'] },
  { sourceTag: 'type:kernel', onlyDependOnLibsWithTags: ['type:core', 'type:tensor'] },
  { sourceTag: 'type:integration', onlyDependOnLibsWithTags: ['type:core'] },
  { sourceTag: 'type:sweep', onlyDependOnLibsWithTags: ['type:core'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:core', 'type:domain'] },
  { sourceTag: 'type:report', onlyDependOnLibsWithTags: ['type:core'] },
  // A remote backend maps a sweep spec onto its own sweep jobs (backend-azureml): plugins may read the sweep library.
  { sourceTag: 'type:plugin', onlyDependOnLibsWithTags: ['type:core', 'type:tensor', 'type:kernel', 'type:domain', 'type:integration', 'type:sweep'] },
  { sourceTag: 'type:cli', onlyDependOnLibsWithTags: ['type:core', 'type:report', 'type:domain', 'type:sweep'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['*'] },
];
// Tests may also use the testing helpers, and the report's tests score fixtures with real evaluator plugins.
const tests = product.map((c) =>
  c.sourceTag === 'type:plugin' ? { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:testing'] }
  : c.sourceTag === 'type:report' ? { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:domain', 'type:plugin', 'type:testing'] }
  : c.sourceTag === 'type:core' || c.sourceTag === 'type:tool' ? c
  : { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'type:domain', 'type:testing'] },
);
const testFiles = ['**/*.test.ts', '**/*.test-helper.ts', '**/*.fixture.ts', '**/test/**', '**/test-support/**'];
// tfjs and the plotting libraries are imported lazily on purpose (`prd plan` never loads them).
const lazy = ['@prd/core', '@prd/tensor', '@prd/report'];
const boundaries = (depConstraints) => ({
  '@nx/enforce-module-boundaries': ['error', { enforceBuildableLibDependency: false, allow: [], checkDynamicDependenciesExceptions: lazy, depConstraints }],
});

export default tseslint.config(
  { ignores: ['**/dist/**', '**/out-tsc/**', '**/node_modules/**', '**/.nx/**', 'runs/**', '.prd/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { plugins: { '@nx': nx } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
      ...boundaries(product),
    },
  },
  {
    files: testFiles,
    rules: { '@typescript-eslint/no-explicit-any': 'off', 'no-console': 'off', ...boundaries(tests) },
  },
);
