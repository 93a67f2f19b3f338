// Lint for every package. The rule that matters most is invariant 1 of
// docs/architecture.md: runtime, transport and federation code gets time, randomness and
// scheduling only from the engine's reactor, so the simulation mode can control them.
// Only reactor implementations (files named *reactor*.ts) may touch the real ones.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const REACTOR_ONLY = 'only a reactor implementation may use this (invariant 1: ask the engine\'s reactor)';
const REACTOR_IMPORTS = [
  { name: 'node:timers', message: REACTOR_ONLY },
  { name: 'timers', message: REACTOR_ONLY },
  { name: 'node:timers/promises', message: REACTOR_ONLY },
  { name: 'node:perf_hooks', message: REACTOR_ONLY },
  { name: 'node:crypto', importNames: ['randomBytes', 'randomUUID', 'randomInt', 'randomFillSync', 'getRandomValues', 'webcrypto'], message: REACTOR_ONLY },
];
// The kernel (one engine's mechanisms) sits under its extensions: multi-core, supervision
// and the simulator import the kernel and the seams, never the other way, and the mode
// dispatch (create.ts) is outside it. Type-only imports count: a type edge is still an edge.
const KERNEL_ONLY_DOWN = 'the kernel must not import multi/, supervision/, sim/ or create.ts (they are extensions above it; see docs/architecture.md): declare what you need as an interface in the kernel instead';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-this-alias': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['packages/{runtime,transport,federation}/src/**/*.ts'],
    ignores: ['**/*reactor*.ts', '**/*.test.ts', '**/test/**'],
    rules: {
      'no-restricted-globals': ['error',
        ...['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate', 'queueMicrotask', 'performance']
          .map((name) => ({ name, message: REACTOR_ONLY }))],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: REACTOR_ONLY },
        { object: 'performance', property: 'now', message: REACTOR_ONLY },
        { object: 'Math', property: 'random', message: REACTOR_ONLY },
        { object: 'process', property: 'hrtime', message: REACTOR_ONLY },
        { object: 'process', property: 'nextTick', message: REACTOR_ONLY },
        { object: 'crypto', property: 'randomBytes', message: REACTOR_ONLY },
        { object: 'crypto', property: 'randomUUID', message: REACTOR_ONLY },
        { object: 'crypto', property: 'getRandomValues', message: REACTOR_ONLY },
        { object: 'crypto', property: 'randomInt', message: REACTOR_ONLY },
        { object: 'crypto', property: 'randomFillSync', message: REACTOR_ONLY }],
      'no-restricted-syntax': ['error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: REACTOR_ONLY }],
      'no-restricted-imports': ['error', { paths: REACTOR_IMPORTS }],
    },
  },
  {
    // After the block above: for kernel files this rule's options replace its own, so they repeat its paths.
    files: ['packages/runtime/src/kernel/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: REACTOR_IMPORTS,
        patterns: [{ regex: '^(?:\\.\\.?/)+(?:multi|supervision|sim)(?:/|$)|(?:^|/)create(?:\\.[jt]s)?$', message: KERNEL_ONLY_DOWN }],
      }],
    },
  },
);
