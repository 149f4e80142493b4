// Jest 30 + ts-jest in ESM mode (run through `node --experimental-vm-modules`).
const tsJest = ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }];
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1', '^@cpor/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts' },
  transform: { '^.+\\.ts$': tsJest },
  testEnvironment: 'node',
};
export default {
  // Integration and e2e tests wait on real servers (each wait has its own deadline).
  testTimeout: 240_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/tools/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.js',
    },
    {
      ...common,
      displayName: 'e2e',
      // test/browser: the portal in Debian's Chromium (scripts/test.mjs installs it when missing).
      testMatch: ['<rootDir>/test/e2e/**/*.e2e.test.ts', '<rootDir>/test/browser/**/*.e2e.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.js',
    },
  ],
};
