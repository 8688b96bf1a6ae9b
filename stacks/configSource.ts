/**
 * Where the stack configuration comes from: the Pulumi config of the running stack (every key under
 * the project namespace, unknown ones included so typos are reported), which keys were set as
 * secrets, and the one environment override `npm run up` uses.
 */
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_KEYS, PROJECT } from "./config";

/**
 * Reads every key under the project namespace from the Pulumi config. Known
 * keys are read as objects; a value that is not JSON is passed on as the
 * string it is, so validation can say what is wrong with it. Unknown keys are
 * included so that typos are reported instead of ignored.
 */
/**
 * `ZK_IMAGE_SOURCE` overrides `images.source` for one run, so `npm run up` can fall back to the
 * local images on a machine without a registry without rewriting the committed stack file.
 * The value is validated like the config key it overrides.
 */
export function applyEnvironmentOverrides(
    raw: Record<string, unknown>,
    env: { [name: string]: string | undefined },
): Record<string, unknown> {
    const source = env.ZK_IMAGE_SOURCE;
    if (source === undefined || source === "") {
        return raw;
    }
    const images = typeof raw.images === "object" && raw.images !== null ? raw.images : {};
    return { ...raw, images: { ...images, source } };
}

/**
 * Top-level keys (without the namespace, e.g. `clientApp`) whose value holds a secret, so that
 * errors show `[secret]` for every value under them, not only for SECRET_CAPABLE_KEYS. Pulumi
 * marks the whole top-level key secret when any value under it was set with `--secret`. The SDK
 * keeps that list in its config store (the language host passes it as PULUMI_CONFIG_SECRET_KEYS)
 * and exposes it only as the internal `runtime.isConfigSecret`, hence the fallback to the variable.
 */
export function readSecretConfigKeys(): string[] {
    const prefix = `${PROJECT}:`;
    const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean }).isConfigSecret;
    let fromEnv: unknown = [];
    try {
        fromEnv = JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS ?? "[]");
    } catch {
        // not set by this host: nothing to add
    }
    const isSecret = (key: string) => (isConfigSecret?.(key) ?? false) || (Array.isArray(fromEnv) && fromEnv.includes(key));
    return Object.keys(pulumi.runtime.allConfig())
        .filter((key) => key.startsWith(prefix) && isSecret(key))
        .map((key) => key.substring(prefix.length));
}

export function readRawStackConfig(): Record<string, unknown> {
    const config = new pulumi.Config(PROJECT);
    const raw: Record<string, unknown> = {};
    const prefix = `${PROJECT}:`;
    for (const [fullKey, text] of Object.entries(pulumi.runtime.allConfig())) {
        if (!fullKey.startsWith(prefix)) {
            continue;
        }
        const key = fullKey.substring(prefix.length);
        try {
            raw[key] = (CONFIG_KEYS as readonly string[]).includes(key) ? config.getObject<unknown>(key) : JSON.parse(text);
        } catch {
            raw[key] = text;
        }
    }
    return applyEnvironmentOverrides(raw, process.env);
}
