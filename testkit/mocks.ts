/**
 * Pulumi mocks that record every resource registration, with its inputs and
 * the resource options the SDK sent (dependencies, retainOnDelete,
 * deleteBeforeReplace), so tests can assert on what a program would deploy.
 */
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";

export const MOCK_GRAFANA_PASSWORD = "MockGrafanaPassw0rdXYZ12";

/** `result` of a RandomPassword: distinct per resource name (letters and digits, 32 characters); Grafana's is MOCK_GRAFANA_PASSWORD. */
export function mockPassword(resourceName: string): string {
    if (resourceName.includes("grafana")) {
        return MOCK_GRAFANA_PASSWORD;
    }
    return `Mock${createHash("sha256").update(resourceName).digest("hex").substring(0, 28)}`;
}

export interface Registration {
    type: string;
    name: string;
    urn: string;
    id: string;
    inputs: any;
    /** Top-level input properties that carry a secret somewhere inside. */
    secretInputs: string[];
    /** URNs this resource depends on (dependsOn and property references). */
    dependencies: string[];
    /** URNs per input property. */
    propertyDependencies: Record<string, string[]>;
    retainOnDelete: boolean;
    deleteBeforeReplace: boolean;
    parentUrn: string;
    /** Aliases as the SDK sent them (structured specs; the mock monitor supports them). */
    aliases: AliasSpec[];
    /** The provider reference (`<urn>::<id>`), empty for the default provider. */
    provider: string;
}

/** One alias of a registration: a full URN, or the parts of the old URN that differ. */
export interface AliasSpec {
    urn?: string;
    name?: string;
    type?: string;
    parentUrn?: string;
    noParent?: boolean;
}

/** What the patched monitor reads from a request before the mock sees it. */
type RequestOptions = Pick<
    Registration,
    "dependencies" | "propertyDependencies" | "retainOnDelete" | "deleteBeforeReplace" | "parentUrn" | "aliases"
>;

/** Marker the Pulumi wire format puts on secret values. */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";

/** Removes secret wrappers, noting whether any were found. */
function unwrapSecrets(value: any, found: { secret: boolean }): any {
    if (Array.isArray(value)) {
        return value.map((v) => unwrapSecrets(v, found));
    }
    if (value && typeof value === "object") {
        if (SECRET_SIG_KEY in value) {
            found.secret = true;
            return unwrapSecrets(value.value, found);
        }
        const out: Record<string, any> = {};
        for (const [k, v] of Object.entries(value)) {
            out[k] = unwrapSecrets(v, found);
        }
        return out;
    }
    return value;
}

function sha(text: string): string {
    return createHash("sha256").update(text).digest("hex");
}

export class RecordingMocks implements pulumi.runtime.Mocks {
    readonly registrations: Registration[] = [];
    private readonly options = new Map<string, RequestOptions>();
    /** What an attached container (by resource name) printed and how it exited, as the provider reports them. */
    readonly containerRuns = new Map<string, { exitCode: number; logs: string }>();

    /** Called by the patched monitor before newResource, with the raw request. */
    recordRequest(type: string, name: string, options: RequestOptions): void {
        this.options.set(`${type}::${name}`, options);
    }

    /** Called once the monitor answered, with the URN the engine would assign. */
    recordUrn(type: string, name: string, urn: string): void {
        const reg = this.registrations.find((r) => r.type === type && r.name === name);
        if (reg) {
            reg.urn = urn;
        }
    }

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, any> } {
        const inputs: Record<string, any> = {};
        const secretInputs: string[] = [];
        for (const [key, raw] of Object.entries(args.inputs ?? {})) {
            const found = { secret: false };
            inputs[key] = unwrapSecrets(raw, found);
            if (found.secret) {
                secretInputs.push(key);
            }
        }
        const state: Record<string, any> = { ...inputs };
        let id: string | undefined = `${args.name}-id`;
        switch (args.type) {
            case "docker:index/remoteImage:RemoteImage":
                state.imageId = `sha256:${sha(String(inputs.name))}`;
                state.repoDigest = `${inputs.name}@sha256:${sha("digest" + inputs.name)}`;
                break;
            case "docker:index/container:Container":
                id = sha(`container:${args.name}`);
                state.exitCode = this.containerRuns.get(args.name)?.exitCode ?? 0;
                state.containerLogs = this.containerRuns.get(args.name)?.logs;
                break;
            case "random:index/randomPassword:RandomPassword":
                state.result = mockPassword(args.name);
                break;
            default:
                if (!args.custom) {
                    id = undefined;
                }
        }
        const opts = this.options.get(`${args.type}::${args.name}`);
        this.registrations.push({
            type: args.type,
            name: args.name,
            urn: "",
            id: id ?? "",
            inputs,
            secretInputs,
            dependencies: opts?.dependencies ?? [],
            propertyDependencies: opts?.propertyDependencies ?? {},
            retainOnDelete: opts?.retainOnDelete ?? false,
            deleteBeforeReplace: opts?.deleteBeforeReplace ?? false,
            parentUrn: opts?.parentUrn ?? "",
            aliases: opts?.aliases ?? [],
            provider: args.provider ?? "",
        });
        return { id, state };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        return args.inputs;
    }

    /** Every registration of a type token, e.g. `docker:index/container:Container`. */
    byType(type: string): Registration[] {
        return this.registrations.filter((r) => r.type === type);
    }

    /** The one registration with this logical name; fails loudly otherwise. */
    byName(name: string): Registration {
        const found = this.registrations.filter((r) => r.name === name);
        if (found.length !== 1) {
            throw new Error(
                `expected one resource named ${name}, found ${found.length}: ${this.registrations.map((r) => r.name).join(", ")}`,
            );
        }
        return found[0];
    }

    containers(): Registration[] {
        return this.byType(DOCKER_CONTAINER);
    }

    /** Resolves when no new registration has arrived for a while. */
    async settle(quietMs = 150): Promise<void> {
        let last = -1;
        let quietSince = Date.now();
        for (;;) {
            await new Promise((r) => setTimeout(r, 10));
            if (this.registrations.length !== last) {
                last = this.registrations.length;
                quietSince = Date.now();
            } else if (Date.now() - quietSince >= quietMs) {
                return;
            }
        }
    }
}

export const DOCKER_CONTAINER = "docker:index/container:Container";
export const DOCKER_VOLUME = "docker:index/volume:Volume";
export const DOCKER_NETWORK = "docker:index/network:Network";
export const DOCKER_REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";

/**
 * Installs recording mocks. The mock monitor drops resource options, so its
 * registerResource is wrapped to capture them from the request first.
 */
export function setupMocks(stack = "dev", project = "zookeeper-platform", preview = false): RecordingMocks {
    const mocks = new RecordingMocks();
    pulumi.runtime.setMocks(mocks, project, stack, preview);
    const monitor = pulumi.runtime.getMonitor() as any;
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: any) => {
        const propertyDependencies: Record<string, string[]> = {};
        req.getPropertydependenciesMap().forEach((value: any, key: string) => {
            propertyDependencies[key] = value.getUrnsList();
        });
        mocks.recordRequest(req.getType(), req.getName(), {
            dependencies: req.getDependenciesList(),
            propertyDependencies,
            retainOnDelete: Boolean(req.getRetainondelete()),
            deleteBeforeReplace: Boolean(req.getDeletebeforereplace()),
            parentUrn: req.getParent(),
            aliases: req.getAliasesList().map((alias: any): AliasSpec => {
                if (alias.hasUrn()) {
                    return { urn: alias.getUrn() };
                }
                const spec = alias.getSpec();
                return {
                    name: spec.getName() || undefined,
                    type: spec.getType() || undefined,
                    parentUrn: spec.getParenturn() || undefined,
                    noParent: spec.getNoparent() || undefined,
                };
            }),
        });
        return original(req, (err: unknown, response: any) => {
            if (response) {
                mocks.recordUrn(req.getType(), req.getName(), response.getUrn());
            }
            callback(err, response);
        });
    };
    return mocks;
}

/** The value of an Output (mocks resolve everything). */
export function resolve<T>(output: pulumi.Input<T> | pulumi.Output<T>): Promise<T> {
    return new Promise((resolvePromise) => pulumi.output(output).apply((v) => resolvePromise(v as T)));
}

/** Whether an Output is marked secret. */
export function isSecret(output: pulumi.Output<unknown>): Promise<boolean> {
    return pulumi.isSecret(output);
}

/** Env var map of a recorded container. */
export function envMap(reg: Registration): Record<string, string> {
    const out: Record<string, string> = {};
    for (const entry of (reg.inputs.envs ?? []) as string[]) {
        const i = entry.indexOf("=");
        out[entry.substring(0, i)] = entry.substring(i + 1);
    }
    return out;
}

/** Upload content of a recorded container by file path. */
export function upload(reg: Registration, file: string): string {
    const found = ((reg.inputs.uploads ?? []) as { file: string; content: string }[]).find((u) => u.file === file);
    if (!found) {
        throw new Error(`container ${reg.name} has no upload ${file}`);
    }
    return found.content;
}
