/**
 * Real-engine suites: each runs `pulumi up` against the local Docker daemon, so they run one at a
 * time and are kept out of `npm test`.
 */
module.exports = {
    testEnvironment: "node",
    roots: ["<rootDir>/test/e2e"],
    testMatch: ["**/*.e2e.test.ts"],
    transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/test/e2e/tsconfig.json", diagnostics: true }] },
    maxWorkers: 1,
    testTimeout: 45 * 60 * 1000,
    verbose: true,
};
