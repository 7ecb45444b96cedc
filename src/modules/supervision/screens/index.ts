/** Price-screen collusion engine: pure functions, no Nest or database dependencies. */
export * from './price-screens';
export * from './market-calibration';
export * from './market-history';
export * from './collusion-score';
export { csvEscape, parseCsv, CsvSyntaxError } from './csv';
export type { CsvRecord } from './csv';
