/**
 * Builds a ZooKeeperEnsemble under recording mocks and sorts what it registered: servers, their
 * seed steps, the pre-flight check, roll gates and the ready gate. Shared by the ensemble tests.
 */
import { DOCKER_CONTAINER, RecordingMocks, Registration, resolve } from "../../testkit/mocks";
import { ZooKeeperEnsemble, ZooKeeperEnsembleArgs } from "../../components/zookeeper/zookeeperEnsemble";

export interface BuiltEnsemble {
    ensemble: ZooKeeperEnsemble;
    /** Everything registered while building it. */
    mine: Registration[];
    containers: Registration[];
    /** The server containers, by id. */
    nodes: Registration[];
    seeds: Registration[];
    preflight: Registration;
    rollGates: Registration[];
    readyGate: Registration;
}

export async function buildEnsemble(
    mocks: RecordingMocks,
    name: string,
    args: Partial<ZooKeeperEnsembleArgs> = {},
): Promise<BuiltEnsemble> {
    const before = mocks.registrations.length;
    const ensemble = new ZooKeeperEnsemble(name, { image: "zookeeper:3.9.4", ...args });
    await resolve(ensemble.readyGate.id);
    await mocks.settle();
    const mine = mocks.registrations.slice(before);
    const containers = mine.filter((r) => r.type === DOCKER_CONTAINER);
    return {
        ensemble,
        mine,
        containers,
        nodes: containers.filter((r) => /-\d+-container$/.test(r.name)),
        seeds: containers.filter((r) => /-\d+-seed$/.test(r.name)),
        preflight: containers.find((r) => r.name === `${name}-preflight`)!,
        rollGates: containers.filter((r) => r.name.includes("-roll-gate-")),
        readyGate: containers.find((r) => r.name.endsWith("-ready-gate"))!,
    };
}

/** The `server.N=` lines of a text (a zoo.cfg template, or the members a seed script writes). */
export function serverLines(text: string): string[] {
    return text.split("\n").filter((l) => l.startsWith("server."));
}

/** The members a seed step writes for a new ensemble (its `members='...'` assignment). */
export function seedMembers(seed: Registration): string[] {
    const found = /^members='([^']*)'$/m.exec(seed.inputs.command[0]);
    if (!found) {
        throw new Error(`${seed.name} has no members assignment`);
    }
    return serverLines(found[1]);
}

/** The files a container uploads, in order. */
export function uploadedFiles(reg: Registration): string[] {
    return ((reg.inputs.uploads ?? []) as { file: string }[]).map((u) => u.file);
}

/** The URNs a registration depends on through its input properties (not dependsOn alone). */
export function propertyDependencyUrns(reg: Registration): string[] {
    return Object.values(reg.propertyDependencies).flat();
}
