// Lint rules: typescript-eslint recommended, plus the project's house rules that
// keep the simulator deterministic (DEVELOPERS.md: no ambient time or randomness in src/).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const ambient = 'The simulator takes time from its own clock and randomness from seeded streams (src/engine).';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', 'notebooks/**', 'out/**', 'scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-globals': ['error',
        { name: 'setTimeout', message: ambient }, { name: 'setInterval', message: ambient },
        { name: 'setImmediate', message: ambient }, { name: 'performance', message: ambient },
        { name: 'process', message: 'src/ runs in a browser too; keep process access in sim/.' }],
      'no-restricted-properties': ['error',
        { object: 'Math', property: 'random', message: ambient },
        { object: 'Date', property: 'now', message: ambient }],
      'no-restricted-syntax': ['error', { selector: "NewExpression[callee.name='Date']", message: ambient }],
      'no-restricted-imports': ['error', {
        paths: ['fs', 'fs/promises', 'path', 'os', 'child_process', 'worker_threads', 'process'].map((name) => ({ name, message: 'src/ must run in a browser; put Node I/O in sim/.' })),
        patterns: [{ group: ['node:*'], message: 'src/ must run in a browser; put Node I/O in sim/.' }],
      }],
    },
  },
);
