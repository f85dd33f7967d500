// Lint: typescript-eslint with type information, so that a forgotten await on an activity, a
// workflow API or a transaction is an error; workflow code may not import Node built-ins
// (it runs in Temporal's deterministic sandbox).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.filter((m) => m !== 'assert').flatMap((m) => [m, `node:${m}`]);

/** The import rules of one top-level folder (issue 16: arrows point down). */
const arrowsDown = (folder, patterns, paths = []) => ({
  files: [`${folder}/**/*.ts`],
  rules: { '@typescript-eslint/no-restricted-imports': ['error', { paths, patterns }] },
});
const folders = (names) => names.map((name) => `**/${name}/**`);
const typesOnlyFrom = (names, message) => ({ group: folders(names), allowTypeImports: true, message });
const never = (names, message) => ({ group: folders(names), message });

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      '.local-network/**',
      'contracts/out/**',
      'eslint.config.mjs',
      '.mocharc.cjs',
      'client/bin/**',
      'worker/bin/**',
    ],
  },
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
  // Arrows point down (issue 16). protocol/ is the bottom: pure definitions both sides read.
  // Activities never import workflows; workflows import only types from activities (the
  // activities' interface, as Temporal's samples do: erased, never in the bundle). Nothing below
  // worker/ and client/ imports them, and the worker does not import the CLI.
  arrowsDown(
    'protocol',
    [
      never(
        ['activities', 'workflows', 'worker', 'client'],
        'protocol/ is the bottom: it imports nothing of the project above it',
      ),
    ],
    nodeBuiltins.map((name) => ({ name, message: 'protocol/ is bundled into workflows: no Node built-ins' })),
  ),
  arrowsDown('workflows', [
    typesOnlyFrom(['activities'], 'workflows/ may import only types from activities/; shared values live in protocol/'),
    never(['worker', 'client'], 'workflows/ is below worker/ and client/'),
  ]),
  arrowsDown('activities', [
    never(['workflows'], 'activities/ may not import workflows/: what both need lives in protocol/'),
    never(['worker', 'client'], 'activities/ is below worker/ and client/'),
  ]),
  arrowsDown('temporal-config', [never(['worker', 'client'], 'temporal-config/ is below worker/ and client/')]),
  arrowsDown('worker', [never(['client'], 'worker/ may not import the CLI (client/); move what both need below them')]),
  {
    // Arrows point down: signing exits (keys/) uses the beacon modules, never the reverse.
    files: ['activities/beacon/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/keys/*', '**/keys'],
              message:
                'activities/beacon/ may not import from activities/keys/ (keys depend on beacon, not the reverse)',
            },
          ],
        },
      ],
    },
  },
);
