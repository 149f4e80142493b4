import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/*
 * The layers of docs/architecture.md, enforced here (eslint-plugin-boundaries):
 *
 *   apps -> platform (the service chassis) -> messaging | persistence | mail -> contracts -> domain
 *   apps, platform -> tracing (the OpenTelemetry SDK, started first by each main.ts)
 *   kernel (clock, polling loop, concurrency, error classification, trace context): anyone may import it; it imports nothing of ours
 *
 * Another library is reached only through its index (`@cpor/<name>`), and each external library
 * with a seam of ours is imported by that one library. tools/bench measures the raw drivers as its
 * baselines and test/ drives the real servers, so both may import them.
 */
const BELOW = {
  kernel: [],
  domain: ['kernel'],
  contracts: ['domain', 'kernel'],
  persistence: ['contracts', 'domain', 'kernel'],
  messaging: ['contracts', 'domain', 'kernel'],
  mail: ['kernel'],
  tracing: ['kernel'],
  platform: ['persistence', 'messaging', 'mail', 'tracing', 'contracts', 'domain', 'kernel'],
};
const LIBS = Object.keys(BELOW);
const SEAMS = {
  persistence: ['mongoose', 'mongodb'],
  messaging: ['kafkajs'],
  mail: ['nodemailer'],
  platform: ['pino', 'pino-http', 'pino-pretty', 'nestjs-pino'],
  // OpenTelemetry: the API (spans of ours, trace context) in the kernel, the SDK in libs/tracing.
  kernel: ['@opentelemetry/api', '@opentelemetry/core'],
  tracing: [
    '@opentelemetry/sdk-node',
    '@opentelemetry/sdk-trace',
    '@opentelemetry/resources',
    '@opentelemetry/semantic-conventions',
    '@opentelemetry/instrumentation',
    '@opentelemetry/instrumentation-http',
    '@opentelemetry/instrumentation-kafkajs',
    '@opentelemetry/instrumentation-mongodb',
    '@opentelemetry/exporter-trace-otlp-http',
  ],
};

const element = (types) => ({ element: { type: types } });

const layers = {
  plugins: { boundaries },
  files: ['apps/**/*.ts', 'libs/**/*.ts', 'tools/**/*.ts', 'test/**/*.ts'],
  settings: {
    'boundaries/elements': [
      ...LIBS.map((name) => ({ type: name, pattern: `libs/${name}` })),
      { type: 'app', pattern: 'apps/*', capture: ['name'] },
      { type: 'tool', pattern: 'tools/*', capture: ['name'] },
      { type: 'test', pattern: 'test' },
    ],
    'import/resolver': { typescript: { project: './tsconfig.json' } },
  },
  rules: {
    'boundaries/dependencies': [
      'error',
      {
        default: 'disallow',
        checkAllOrigins: true,
        policies: [
          // Node's modules and packages: allowed, except the seams below.
          { allow: { to: { module: { origin: ['external', 'core'] } } } },
          ...LIBS.map((name) => ({ from: element(name), allow: { to: element(BELOW[name]) } })),
          { from: element('app'), allow: { to: element(LIBS) } },
          { from: element(['tool', 'test']), allow: { to: element([...LIBS, 'app', 'tool', 'test']) } },
          {
            disallow: { to: { element: { type: LIBS, fileInternalPath: '!src/index.ts' } } },
            message: 'import another library through its index (@cpor/<name>)',
          },
          ...Object.entries(SEAMS).map(([seam, packages]) => ({
            from: element([...LIBS.filter((name) => name !== seam), 'app', ...(seam === 'mail' ? ['tool'] : [])]),
            disallow: { to: { module: { origin: 'external', source: packages } } },
            message: `only libs/${seam} imports ${packages.join(' or ')}`,
          })),
        ],
      },
    ],
  },
};

/*
 * The portal's libraries, each imported by one module of ours and by nothing else in apps, libs or
 * tools (docs/portal.md): the template engine, the CSRF protection, the HTTP middleware, the
 * OpenID Connect client, and the development identity provider's server.
 */
const PORTAL_SEAMS = {
  'apps/portal/src/web/views.ts': ['eta'],
  'apps/portal/src/web/csrf.ts': ['csrf-csrf'],
  'apps/portal/src/web/http-middleware.ts': ['helmet', 'cookie-parser'],
  'apps/portal/src/auth/oidc-client.ts': ['openid-client'],
  'tools/dev-identity-provider/provider.ts': ['oidc-provider'],
};
const seamRestrictions = (except = []) => [
  'error',
  {
    paths: Object.entries(PORTAL_SEAMS).flatMap(([file, packages]) =>
      packages.filter((name) => !except.includes(name)).map((name) => ({ name, message: `only ${file} imports ${name}` })),
    ),
  },
];
const portalSeams = [
  { files: ['apps/**/*.ts', 'libs/**/*.ts', 'tools/**/*.ts'], ignores: Object.keys(PORTAL_SEAMS), rules: { 'no-restricted-imports': seamRestrictions() } },
  ...Object.entries(PORTAL_SEAMS).map(([file, packages]) => ({ files: [file], rules: { 'no-restricted-imports': seamRestrictions(packages) } })),
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.cache/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: { 'no-console': 'error' },
  },
  // The portal's progressive layer runs in the browser.
  { files: ['apps/portal/public/**/*.js'], languageOptions: { sourceType: 'script', globals: globals.browser } },
  layers,
  ...portalSeams,
);
