/**
 * The schema other Pulumi languages get (`pulumi package get-schema`, `pulumi package add`), as
 * Pulumi's own analyzer infers it from the TypeScript sources: the component provider runs the same
 * analyzer on the shipped sources. Each component's inputs are its zod schema's keys, optional
 * exactly where the schema has a default or allows undefined; every input, output and nested
 * property is described; and the surface equals the committed list in schemaSurface.ts.
 * `.ci/run` also runs the real `pulumi package get-schema` on the packed package (scripts/package/).
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { AnalyzeResult, Analyzer, PropertyDefinition } from "@pulumi/pulumi/provider/experimental/analyzer";
import { z } from "zod";
import * as pkg from "../../index";
import { PACKAGE_NAME } from "../../components/shared/typeTokens";
import { SCHEMA_SURFACE } from "./schemaSurface";

const repo = path.resolve(__dirname, "..", "..");

/** The component classes the provider serves: every ComponentResource the entry point exports. */
const exportedComponents = Object.entries(pkg)
    .filter(([, value]) => typeof value === "function" && value.prototype instanceof pulumi.ComponentResource)
    .map(([name]) => name)
    .sort();

const ARGS_SCHEMAS: Readonly<Record<string, z.ZodObject>> = {
    ZooKeeperNode: pkg.zooKeeperNodeArgsSchema,
    ZooKeeperEnsemble: pkg.zooKeeperEnsembleArgsSchema,
    ClientAppService: pkg.clientAppServiceArgsSchema,
    MonitoringStack: pkg.monitoringStackArgsSchema,
};

/** `name` or `name?`, the notation of schemaSurface.ts. */
const listed = (props: Record<string, PropertyDefinition>) => Object.entries(props).map(([k, v]) => (v.optional ? `${k}?` : k));

let schema: AnalyzeResult;

beforeAll(() => {
    // The analyzer reads package.json the way the component provider does (name, main).
    const packageJson = require(path.join(repo, "package.json")) as { name: string };
    schema = new Analyzer(repo, packageJson.name, packageJson, new Set(exportedComponents)).analyze();
});

test("the package serves exactly the four components, named by the package", () => {
    expect(exportedComponents).toEqual(["ClientAppService", "MonitoringStack", "ZooKeeperEnsemble", "ZooKeeperNode"]);
    expect(Object.keys(schema.components).sort()).toEqual(exportedComponents);
    expect(PACKAGE_NAME).toBe(require(path.join(repo, "package.json")).name);
    // Resource references resolve to @pulumi/docker only: our own components cannot cross languages.
    expect(schema.dependencies.map((d) => d.name)).toEqual(["docker"]);
});

test("the components' inputs and outputs are the committed list", () => {
    const surface = Object.fromEntries(
        Object.entries(schema.components).map(([name, c]) => [name, { inputs: listed(c.inputs), outputs: listed(c.outputs) }]),
    );
    expect(surface).toEqual(SCHEMA_SURFACE);
});

test.each(Object.keys(ARGS_SCHEMAS))("%s: the schema's inputs are its zod schema's keys, optional where zod accepts undefined", (name) => {
    const zodShape = ARGS_SCHEMAS[name].shape as Record<string, z.ZodType>;
    const fromZod = Object.entries(zodShape)
        .map(([key, field]) => (field.safeParse(undefined).success ? `${key}?` : key))
        .sort();
    expect(listed(schema.components[name].inputs).sort()).toEqual(fromZod);
});

test("every input, output and nested property has a description", () => {
    const undescribed: string[] = [];
    const check = (where: string, props: Record<string, PropertyDefinition> | undefined) => {
        for (const [key, prop] of Object.entries(props ?? {})) {
            if (!prop.description?.trim()) {
                undescribed.push(`${where}.${key}`);
            }
        }
    };
    for (const [name, c] of Object.entries(schema.components)) {
        check(`${name} input`, c.inputs);
        check(`${name} output`, c.outputs);
    }
    for (const [name, t] of Object.entries(schema.typeDefinitions)) {
        check(`type ${name}`, t.properties);
    }
    expect(undescribed).toEqual([]);
    expect(Object.keys(schema.typeDefinitions).length).toBeGreaterThan(0);
});
