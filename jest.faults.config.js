/**
 * Fault, bad-input, security and policy suites against real containers and the real CLI. Like the
 * e2e suites they deploy stacks for real, so they share their settings (one at a time, out of `npm test`).
 */
const e2e = require("./jest.e2e.config.js");

module.exports = {
    ...e2e,
    roots: ["<rootDir>/test/faults"],
    testMatch: ["**/*.faults.test.ts"],
};
