// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const base = require('./.config/jest.config');

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...base,
  // The harness and the built-dist tests live outside src/.
  testMatch: [...base.testMatch, '<rootDir>/tests/**/*.test.{ts,tsx}'],
  transform: {
    ...base.transform,
    // Some d3 packages (d3-color, pulled in by @grafana/data) ship only `.mjs`; the scaffold's
    // transform covers `.js` alone, so jest on Node 20 fails with "Unexpected token 'export'".
    '^.+\\.mjs$': ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' } }, module: { type: 'commonjs' } }],
  },
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/dist/'],
};
