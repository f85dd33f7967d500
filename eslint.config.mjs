// Lint: typescript-eslint with type information, so that a forgotten await on an activity, a
// workflow API or a transaction is an error; workflow code may not import Node built-ins
// (it runs in Temporal's deterministic sandbox).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.filter((m) => m !== 'assert').flatMap((m) => [m, `node:${m}`]);

export default tseslint.config(
  { ignores: ['node_modules/**', '.local-network/**', 'contracts/out/**', 'eslint.config.mjs', '.mocharc.cjs', 'client/bin/**', 'worker/bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Plain ES modules run by Node inside a tool folder (not part of the TypeScript project).
    files: ['**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      parserOptions: { projectService: false },
      globals: { process: 'readonly', Buffer: 'readonly', console: 'readonly' },
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', ...nodeBuiltins] },
  },
  {
    // Arrows point down: signing exits (keys/) uses the beacon modules, never the reverse.
    files: ['activities/beacon/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/keys/*', '**/keys'], message: 'activities/beacon/ may not import from activities/keys/ (keys depend on beacon, not the reverse)' }] }] },
  },
);
