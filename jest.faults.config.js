/**
 * Fault, bad-input, security and policy suites against real containers and the real CLI. Like the
 * e2e suites they deploy stacks for real, so they run one at a time and stay out of `npm test`.
 */
module.exports = {
    testEnvironment: "node",
    roots: ["<rootDir>/test/faults"],
    testMatch: ["**/*.faults.test.ts"],
    transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/test/e2e/tsconfig.json", diagnostics: true }] },
    maxWorkers: 1,
    testTimeout: 45 * 60 * 1000,
    verbose: true,
};
