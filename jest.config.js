// One Jest run for unit tests (src/**/__tests__) and integration/e2e tests (test/) against real services.
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json', diagnostics: false }] };
const moduleNameMapper = { '^src/(.*)$': '<rootDir>/src/$1' };
module.exports = {
  testEnvironment: 'node',
  rootDir: __dirname,
  transform,
  moduleNameMapper,
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/src/**/__tests__/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  globalSetup: '<rootDir>/test/helpers/global-setup.js',
  testTimeout: 60_000,
  maxWorkers: 1,
};
