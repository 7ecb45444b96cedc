// ESLint 9 flat config (issue #18). Type-aware: each file is checked with the program of its nearest tsconfig.json
// (the root one for the server, tests, bench, scripts and migrations; web/tsconfig.json for the console).
// Layout is Prettier's job (.prettierrc.json); eslint-config-prettier turns off the rules that would fight it.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'dist/**', 'web/dist/**', '.data/**', 'out/**', 'coverage/**', 'test/fixtures/**'] },
  {
    files: ['**/*.{ts,tsx}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { args: 'after-used', argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports' }],
      // Of the recommended set, off: raw SQL rows and HTTP bodies are `Record<string, any>` on purpose (21 places);
      // `unknown` there would need a cast at every column read.
      '@typescript-eslint/no-explicit-any': 'off',
      // `cond ? a++ : b++;` and `v ? set() : del();` are used as statements in a few counting loops.
      '@typescript-eslint/no-unused-expressions': ['error', { allowTernary: true, allowShortCircuit: true }],
      // The console's Chinese copy uses the ideographic space (U+3000) between phrases.
      'no-irregular-whitespace': ['error', { skipJSXText: true, skipStrings: true, skipTemplates: true }],
    },
  },
  {
    // Issue #18: each module owns its tables. SQL lives in `*.repository.ts` classes (immich); services, use cases,
    // controllers and listeners orchestrate. Migrations, benchmarks, scripts and tests are outside src/ and exempt.
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.repository.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.type='MemberExpression'][callee.property.name=/^(query|createQueryBuilder)$/]",
          message: 'SQL belongs in a *.repository.ts class of the module that owns the table (docs/DEVELOPING.md, "Repositories").',
        },
      ],
    },
  },
  {
    // The console's hooks: the two classic rules (the React Compiler rules of the plugin's preset are not adopted).
    files: ['web/src/**/*.tsx', 'web/src/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    extends: [js.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
  },
  prettier,
);
