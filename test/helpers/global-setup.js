// Builds the test database's schema from the migrations once per run (setup.sh also does it; this covers `npx jest`).
require('ts-node').register({ transpileOnly: true, project: require('path').join(__dirname, '../../tsconfig.json') });
require('tsconfig-paths').register({ baseUrl: require('path').join(__dirname, '../..'), paths: { 'src/*': ['src/*'] } });
module.exports = async () => {
  process.env.NODE_ENV = 'test';
  const { prepareDatabase } = require('../../scripts/prepare-db');
  const { AppConfig } = require('../../src/infra/config/app-config');
  // The test database is rebuilt from the migrations on every run (no drift from earlier runs).
  await prepareDatabase(AppConfig.fromEnvironment(), () => undefined, { recreate: true });
};
