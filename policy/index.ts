/**
 * Policy pack with the guardrails this package's components follow, so that a program that
 * builds containers by hand (or a changed component) cannot quietly drop them:
 *
 *   pulumi preview --policy-pack policy/ [--policy-pack-config config.json]
 *
 * Every rule is mandatory: a violation fails the preview or update before anything changes.
 * The only option is `docker-ports-loopback-only`'s `allowedHostIps` (default ["127.0.0.1"]),
 * e.g. `{ "docker-ports-loopback-only": { "allowedHostIps": ["127.0.0.1", "10.0.0.5"] } }`.
 */
import { PolicyPack, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
    CONTAINER_TYPE,
    DEFAULT_ALLOWED_HOST_IPS,
    ENSEMBLE_TYPES,
    RULES,
    SERVICE_FIELDS_NOTE,
    SERVICE_TYPE,
    checkCapabilities,
    checkEnsembleSize,
    checkMemoryLimit,
    checkNoDockerSocket,
    checkNoLiteralSecretEnv,
    checkNonRootUser,
    checkPublishedPorts,
    checkServerCounts,
    checkServicePorts,
    serviceAsContainer,
} from "./rules";

type Check = (props: Record<string, any>, config: Record<string, any>) => string[];

/** The same container rule for a swarm service's task (serviceAsContainer). */
const CONTAINERS_AND_SERVICES = [CONTAINER_TYPE, SERVICE_TYPE] as const;

/** A mandatory policy on one resource type; each message is reported as its own violation. */
function resourceRule(
    name: string,
    resourceTypes: string | readonly string[],
    description: string,
    check: Check,
    extra: Partial<ResourceValidationPolicy> = {},
): ResourceValidationPolicy {
    return {
        name,
        description,
        enforcementLevel: "mandatory",
        ...extra,
        validateResource: (args, reportViolation) => {
            if (!(typeof resourceTypes === "string" ? [resourceTypes] : resourceTypes).includes(args.type)) {
                return;
            }
            const asService = args.type === SERVICE_TYPE && resourceTypes !== SERVICE_TYPE;
            const props = asService ? serviceAsContainer(args.props) : args.props;
            for (const problem of check(props, args.getConfig<Record<string, any>>())) {
                reportViolation(`${name}: ${problem}${asService ? ` ${SERVICE_FIELDS_NOTE}` : ""}`);
            }
        },
    };
}

const oddServerCount: StackValidationPolicy = {
    name: RULES.ensembleOddServerCount,
    description: "ZooKeeper server containers (by their labels) form ensembles of an odd size.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const containers = args.resources
            .filter((r) => r.type === CONTAINER_TYPE || r.type === SERVICE_TYPE)
            .map((r) => ({ name: r.name, props: r.props }));
        for (const problem of checkServerCounts(containers)) {
            reportViolation(`${RULES.ensembleOddServerCount}: ${problem}`);
        }
    },
};

new PolicyPack("zookeeper-docker-guardrails", {
    policies: [
        resourceRule(
            RULES.loopbackPorts,
            CONTAINER_TYPE,
            "Published container ports bind only to allowed host addresses (default 127.0.0.1); no host networking.",
            (props, config) => checkPublishedPorts(props, config.allowedHostIps ?? DEFAULT_ALLOWED_HOST_IPS),
            {
                configSchema: {
                    properties: {
                        allowedHostIps: {
                            type: "array",
                            items: { type: "string" },
                            default: [...DEFAULT_ALLOWED_HOST_IPS],
                            description: "Host addresses published ports may bind to.",
                        },
                    },
                },
            },
        ),
        resourceRule(
            RULES.memoryLimit,
            CONTAINERS_AND_SERVICES,
            "Every container and swarm service task has a memory limit.",
            checkMemoryLimit,
        ),
        resourceRule(
            RULES.nonRootUser,
            CONTAINERS_AND_SERVICES,
            "Every container and swarm service task runs as a non-root user.",
            checkNonRootUser,
        ),
        resourceRule(
            RULES.dropCapabilities,
            CONTAINERS_AND_SERVICES,
            "Every container drops all capabilities and is not privileged.",
            checkCapabilities,
        ),
        resourceRule(
            RULES.noDockerSocket,
            CONTAINERS_AND_SERVICES,
            "No container mounts the Docker socket or a directory that holds it.",
            checkNoDockerSocket,
        ),
        resourceRule(
            RULES.noLiteralSecretEnv,
            CONTAINERS_AND_SERVICES,
            "Env vars named like secrets (*PASSWORD*, *SECRET*, *TOKEN*) hold no literal value; use NAME__FILE and an uploaded file.",
            checkNoLiteralSecretEnv,
        ),
        resourceRule(
            RULES.serviceHostModePorts,
            SERVICE_TYPE,
            "Swarm services publish ports in host mode only (ingress mode opens them on every node).",
            checkServicePorts,
        ),
        resourceRule(RULES.ensembleOddSize, ENSEMBLE_TYPES, "A ZooKeeperEnsemble has an odd size between 1 and 255.", checkEnsembleSize),
        oddServerCount,
    ],
});
