// One Jest run for unit tests (src/**/__tests__) and integration/e2e tests (test/) against real services.
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json', diagnostics: false }],
  // The audited pure-JS crypto of the browser's fallback port (src/sdk/ports/noble.ts) ships as ES modules only;
  // Jest's CommonJS runtime cannot require them, so they are transpiled like our own code.
  '^.+/node_modules/@noble/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022', isolatedModules: true }, diagnostics: false }],
};
const moduleNameMapper = { '^src/(.*)$': '<rootDir>/src/$1' };
module.exports = {
  testEnvironment: 'node',
  rootDir: __dirname,
  transform,
  moduleNameMapper,
  moduleFileExtensions: ['ts', 'js', 'json'],
  transformIgnorePatterns: ['/node_modules/(?!@noble/)'],
  testMatch: ['<rootDir>/src/**/__tests__/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  globalSetup: '<rootDir>/test/helpers/global-setup.js',
  testTimeout: 60_000,
  maxWorkers: 1,
};
