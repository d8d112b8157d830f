/** Unit tests are pure and fast; integration tests need the real services (scripts/services). */
const transform = { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, tsconfig: 'tsconfig.json' }] };
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
    },
    {
      // Crash, restart, outage and hostile-input tests: each file starts private service
      // instances (test/support/instances.ts) that it may kill and restart.
      displayName: 'faults',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
    },
    {
      // TLS, SASL/SCRAM, remote-write auth, secrets: private instances configured for them.
      displayName: 'security',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/security/**/*.test.ts'],
    },
  ],
};
