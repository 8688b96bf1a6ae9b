// Checks a schema printed by `pulumi package get-schema` (get-schema.sh): exactly the package's four
// components, by their type tokens, each with inputs and outputs, every input described. Prints the
// counts; exits 1 with every problem listed.
//   node check-schema.js SCHEMA_JSON TYPE_TOKENS_JS
"use strict";
const fs = require("fs");

const [schemaFile, tokensModule] = process.argv.slice(2);
const schema = JSON.parse(fs.readFileSync(schemaFile, "utf8"));
const tokens = require(tokensModule);
const expected = [tokens.ZOOKEEPER_NODE_TYPE, tokens.ZOOKEEPER_ENSEMBLE_TYPE, tokens.CLIENT_APP_SERVICE_TYPE, tokens.MONITORING_STACK_TYPE].sort();

const problems = [];
const resources = schema.resources ?? {};
const found = Object.keys(resources).sort();
if (JSON.stringify(found) !== JSON.stringify(expected)) {
    problems.push(`components: expected ${expected.join(", ")}; the schema has ${found.join(", ") || "none"}`);
}
let inputs = 0;
let outputs = 0;
for (const token of found) {
    const resource = resources[token];
    if (!resource.isComponent) {
        problems.push(`${token}: not marked as a component`);
    }
    const ins = Object.entries(resource.inputProperties ?? {});
    const outs = Object.keys(resource.properties ?? {});
    if (ins.length === 0 || outs.length === 0) {
        problems.push(`${token}: ${ins.length} inputs, ${outs.length} outputs`);
    }
    for (const [name, prop] of ins) {
        if (!(prop.description ?? "").trim()) {
            problems.push(`${token}: input ${name} has no description`);
        }
    }
    inputs += ins.length;
    outputs += outs.length;
    console.log(`  ${token}: ${ins.length} inputs, ${outs.length} outputs`);
}
console.log(`schema ${schema.name} ${schema.version}: ${found.length} components, ${inputs} inputs, ${outputs} outputs, ${Object.keys(schema.types ?? {}).length} types`);
if (problems.length > 0) {
    console.error(`error: the package schema is not what the package promises:\n  ${problems.join("\n  ")}`);
    process.exit(1);
}
