/**
 * Root test run: this package's unit tests plus, when present, the sample
 * app's tests (app/ keeps its own jest config; its dependencies are root
 * devDependencies so one `npm ci` at the root is enough).
 * @type {import('jest').Config}
 */
const fs = require("fs");
const path = require("path");

const projects = [
    {
        displayName: "unit",
        rootDir: __dirname,
        roots: ["<rootDir>/test/unit"],
        testEnvironment: "node",
        testMatch: ["<rootDir>/test/unit/**/*.test.ts"],
        transform: {
            "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/test/unit/tsconfig.json" }],
        },
        moduleFileExtensions: ["ts", "js", "json"],
    },
];

const appDir = path.join(__dirname, "app");
if (fs.existsSync(path.join(appDir, "jest.config.js")) && fs.existsSync(path.join(appDir, "test"))) {
    // app/'s own config (its rootDir is app/), named so --selectProjects works.
    projects.push({ displayName: "app", ...require(path.join(appDir, "jest.config.js")) });
}

module.exports = {
    projects,
    // Pulumi mocks and `npm pack` make some tests slow on a two-core machine.
    testTimeout: 120000,
};
