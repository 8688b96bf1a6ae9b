/** Loads the committed stack files the way Pulumi would hand them to the program. */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PROJECT } from "../../stacks/config";

export const ENVIRONMENTS = ["dev", "staging", "prod", "swarm"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** The config section of stacks/Pulumi.<env>.yaml. */
export function loadStackFile(env: Environment): Record<string, unknown> {
    const file = path.join(__dirname, "..", "..", "stacks", `Pulumi.${env}.yaml`);
    const doc = parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> };
    return doc.config ?? {};
}

/** Raw config without the namespace, as parseStackConfig takes it. */
export function rawConfig(env: Environment): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(loadStackFile(env))) {
        if (!key.startsWith(`${PROJECT}:`)) {
            throw new Error(`stack file for ${env} has a key outside the ${PROJECT} namespace: ${key}`);
        }
        raw[key.substring(PROJECT.length + 1)] = value;
    }
    return raw;
}

/** Config as the Pulumi CLI passes it to a program: namespaced keys, JSON text values. */
export function cliConfig(env: Environment): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(loadStackFile(env))) {
        out[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return out;
}
