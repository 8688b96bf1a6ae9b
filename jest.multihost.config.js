/**
 * Multi-host suite: simulated Docker hosts in network namespaces (scripts/multihost/), a swarm
 * across them, and the provider against it. Needs root; like the e2e suites, one at a time and
 * out of `npm test`.
 */
const e2e = require("./jest.e2e.config.js");

module.exports = {
    ...e2e,
    roots: ["<rootDir>/test/multihost"],
    testMatch: ["**/*.test.ts"],
    testPathIgnorePatterns: ["/fixtures/"],
    transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/test/multihost/tsconfig.json", diagnostics: true }] },
};
