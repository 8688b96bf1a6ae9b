// Lint: typescript-eslint's recommended rules, Pulumi's Output rules (type-aware), and import
// boundaries: the components are the package, so they never import the stack program, the
// benchmarks or the tests; the benchmarks never import the tests.
import js from "@eslint/js";
import pulumi from "@pulumi/eslint-plugin";
import tseslint from "typescript-eslint";

const componentBoundaries = {
    patterns: [
        { group: ["**/stacks/**", "**/stacks"], message: "components never import the stack program" },
        { group: ["**/bench/**", "**/bench"], message: "components never import the benchmarks" },
        { group: ["**/test/**", "**/test"], message: "components never import the tests" },
    ],
};

export default tseslint.config(
    {
        ignores: [
            "dist/**",
            "node_modules/**",
            "app/**",
            "scripts/**",
            "bench/compose/**",
            "bench/results/**",
            "policy/node_modules/**",
            // Programs the suites deploy; policy-violations breaks the rules on purpose.
            "test/**/fixtures/**",
            // Example programs: each has its own package.json and tsconfig.json, and installs the packed package.
            "examples/**",
            "**/*.js",
            "**/*.mjs",
        ],
    },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        files: ["**/*.ts"],
        languageOptions: {
            parserOptions: {
                project: [
                    "./tsconfig.json",
                    "./test/unit/tsconfig.json",
                    "./test/e2e/tsconfig.json",
                    "./test/upgrade/tsconfig.json",
                    "./test/multihost/tsconfig.json",
                    "./bench/tsconfig.json",
                    "./previewComment/tsconfig.json",
                    "./policy/tsconfig.json",
                ],
                tsconfigRootDir: import.meta.dirname,
            },
        },
        plugins: { "@pulumi": pulumi },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
        },
    },
    {
        files: ["components/**/*.ts", "index.ts"],
        rules: { "no-restricted-imports": ["error", componentBoundaries] },
    },
    {
        files: ["bench/**/*.ts"],
        rules: {
            "no-restricted-imports": [
                "error",
                {
                    patterns: [
                        {
                            group: ["**/test/**", "**/test"],
                            message: "the benchmarks never import the tests; shared helpers live in testkit/",
                        },
                    ],
                },
            ],
        },
    },
    {
        // The policy SDK hands rules untyped property bags of any resource type.
        files: ["policy/**/*.ts"],
        rules: { "@typescript-eslint/no-explicit-any": "off" },
    },
    {
        // Tests and benchmarks talk to untyped libraries and mock wire formats.
        files: ["test/**/*.ts", "bench/**/*.ts", "testkit/**/*.ts"],
        rules: { "@typescript-eslint/no-explicit-any": "off", "@typescript-eslint/no-require-imports": "off" },
    },
);
