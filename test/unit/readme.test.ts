/**
 * The README's argument and configuration tables agree with the schemas: every key they name
 * exists, every key that exists is named, and each default and `min..max` range they state is the
 * schema's. The README is read, never rewritten.
 */
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { clientAppServiceArgsSchema, monitoringStackArgsSchema, zooKeeperEnsembleArgsSchema, zooKeeperNodeArgsSchema } from "../../index";
import { layers } from "../../components/shared/contract";
import { SECTION_SCHEMAS } from "../../stacks/configSchema";

const README = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");

/** Rows of the first table after `heading`, as trimmed cells. */
function tableAfter(heading: string): string[][] {
    const start = README.indexOf(`\n${heading}\n`);
    if (start < 0) {
        throw new Error(`README has no heading "${heading}"`);
    }
    const lines = README.substring(start + heading.length + 2).split("\n");
    const first = lines.findIndex((l) => l.startsWith("|"));
    const rows: string[][] = [];
    for (const line of lines.slice(first)) {
        if (!line.startsWith("|")) {
            break;
        }
        rows.push(
            line
                .split("|")
                .slice(1, -1)
                .map((c) => c.trim()),
        );
    }
    return rows.slice(2); // header and separator
}

interface FieldFacts {
    default?: unknown;
    min?: number;
    max?: number;
}

function facts(field: z.ZodType): FieldFacts {
    const out: FieldFacts = {};
    for (const layer of layers(field)) {
        const def = layer.def as unknown as { type: string; defaultValue?: unknown };
        if ((def.type === "prefault" || def.type === "default") && out.default === undefined) {
            out.default = def.defaultValue;
        }
        if (layer instanceof z.ZodNumber) {
            out.min = layer.minValue ?? undefined;
            out.max = layer.maxValue ?? undefined;
        }
    }
    return out;
}

/** Field schemas by dotted key (`auth.quorumSasl`), one level of nested objects deep. */
function fieldsOf(schema: z.ZodType): Map<string, z.ZodType> {
    const object = layers(schema).find((l): l is z.ZodObject => l instanceof z.ZodObject)!;
    const out = new Map<string, z.ZodType>();
    for (const [key, field] of Object.entries(object.shape as Record<string, z.ZodType>)) {
        const nested = layers(field).find((l): l is z.ZodObject => l instanceof z.ZodObject);
        if (nested && key === "auth") {
            for (const [inner, innerField] of Object.entries(nested.shape as Record<string, z.ZodType>)) {
                out.set(`${key}.${inner}`, innerField);
            }
        } else {
            out.set(key, field);
        }
    }
    return out;
}

/** README words that mean "no default": the value is unset unless given. */
const UNSET = /^(–|-|unpublished|none|unlimited|own |first |`<name>-<stack>`|as the ensemble's)/;

function defaultProblem(key: string, cell: string, schemaDefault: unknown): string | undefined {
    const text = cell.replace(/`/g, "").trim();
    if (schemaDefault === undefined) {
        return UNSET.test(cell) ? undefined : `${key}: README default "${cell}" but the schema has none`;
    }
    const expected = Array.isArray(schemaDefault)
        ? [schemaDefault.join(","), `[${schemaDefault.join(", ")}]`]
        : typeof schemaDefault === "object"
          ? [JSON.stringify(schemaDefault)]
          : [String(schemaDefault)];
    return expected.includes(text) ? undefined : `${key}: README default "${cell}", schema default ${JSON.stringify(schemaDefault)}`;
}

function rangeProblem(key: string, cell: string, f: FieldFacts): string | undefined {
    const m = /(\d+)\.\.(\d+)/.exec(cell);
    if (m === null) {
        return f.min !== undefined && f.max !== undefined && Number.isFinite(f.max) && !/greater than/.test(cell)
            ? `${key}: README states no range, the schema allows ${f.min}..${f.max}`
            : undefined;
    }
    const [min, max] = [Number(m[1]), Number(m[2])];
    return min === f.min && max === f.max ? undefined : `${key}: README says ${min}..${max}, the schema ${f.min}..${f.max}`;
}

const COMPONENTS: Readonly<Record<string, z.ZodType>> = {
    ZooKeeperEnsemble: zooKeeperEnsembleArgsSchema,
    ClientAppService: clientAppServiceArgsSchema,
    MonitoringStack: monitoringStackArgsSchema,
    ZooKeeperNode: zooKeeperNodeArgsSchema,
};

describe("### Component arguments", () => {
    const rows = tableAfter("### Component arguments");
    let component = "";
    const named = new Map<string, Set<string>>();
    const problems: string[] = [];
    for (const [first, argCell, defaultCell, notes] of rows) {
        component = first || component;
        const fields = fieldsOf(COMPONENTS[component]);
        const keys = [...argCell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
        for (const key of keys) {
            if (!named.has(component)) {
                named.set(component, new Set());
            }
            named.get(component)!.add(key);
            const field = fields.get(key) ?? (key === "auth" ? fields.get("auth.jaasConfig") : undefined);
            if (field === undefined) {
                problems.push(`${component}.${key}: in the README, not an argument`);
                continue;
            }
            if (keys.length === 1 && !argCell.includes(" or ")) {
                const f = facts(field);
                problems.push(
                    ...[
                        defaultProblem(`${component}.${key}`, defaultCell, f.default),
                        rangeProblem(`${component}.${key}`, notes, f),
                    ].filter((p): p is string => p !== undefined),
                );
            }
        }
    }

    it("names only real arguments, with the schemas' defaults and ranges", () => {
        expect(problems).toEqual([]);
    });

    it.each(Object.keys(COMPONENTS))("names every argument of %s", (name) => {
        const missing = [...fieldsOf(COMPONENTS[name]).keys()].filter(
            (k) => !named.get(name)?.has(k) && !(k.startsWith("auth.") && named.get(name)?.has("auth")),
        );
        expect(missing).toEqual([]);
    });
});

describe.each(Object.keys(SECTION_SCHEMAS))("#### `zookeeper-platform:%s`", (section) => {
    const rows = tableAfter(`#### \`zookeeper-platform:${section}\``);
    const fields = fieldsOf(SECTION_SCHEMAS[section as keyof typeof SECTION_SCHEMAS]);

    it("names every key, and only real ones", () => {
        const named = rows.map((r) => r[0].replace(/`/g, ""));
        expect(named.filter((k) => !fields.has(k))).toEqual([]);
        expect([...fields.keys()].filter((k) => !named.includes(k))).toEqual([]);
    });

    it("states each key's default and range as the schema has them", () => {
        const problems: string[] = [];
        for (const [keyCell, , defaultCell, , , , allowed] of rows) {
            const key = keyCell.replace(/`/g, "");
            const field = fields.get(key);
            if (field === undefined) {
                continue;
            }
            const f = facts(field);
            problems.push(
                ...[defaultProblem(`${section}.${key}`, defaultCell, f.default), rangeProblem(`${section}.${key}`, allowed, f)].filter(
                    (p): p is string => p !== undefined,
                ),
            );
        }
        expect(problems).toEqual([]);
    });
});

test("the check can fail: a wrong default is reported", () => {
    expect(defaultProblem("x", "4", 3)).toBe('x: README default "4", schema default 3');
    expect(rangeProblem("x", "1..10", { min: 1, max: 16 })).toBe("x: README says 1..10, the schema 1..16");
});
