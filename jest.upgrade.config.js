/**
 * Upgrade suite: deploys a stack with the code of an earlier commit and previews it with the
 * working tree's code (test/upgrade/harness.ts). It runs `pulumi up` against the local Docker
 * daemon like the e2e suites, so it runs one at a time and stays out of `npm test`.
 */
module.exports = {
    testEnvironment: "node",
    roots: ["<rootDir>/test/upgrade"],
    testMatch: ["**/*.e2e.test.ts"],
    transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/test/upgrade/tsconfig.json", diagnostics: true }] },
    maxWorkers: 1,
    testTimeout: 45 * 60 * 1000,
    verbose: true,
};
