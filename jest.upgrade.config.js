/**
 * Upgrade suite: deploys a stack with the code of an earlier commit and previews it with the
 * working tree's code (test/upgrade/harness.ts). It runs `pulumi up` against the local Docker
 * daemon like the e2e suites, so it shares their settings (one at a time, out of `npm test`).
 */
const e2e = require("./jest.e2e.config.js");

module.exports = {
    ...e2e,
    roots: ["<rootDir>/test/upgrade"],
    transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/test/upgrade/tsconfig.json", diagnostics: true }] },
};
