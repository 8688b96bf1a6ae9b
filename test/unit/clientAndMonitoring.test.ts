import { parse } from "yaml";
import { MOCK_GRAFANA_PASSWORD, RecordingMocks, envMap, isSecret, resolve, setupMocks, upload } from "../../testkit/mocks";

const mocks: RecordingMocks = setupMocks("staging");

import { ClientAppService } from "../../components/clientApp/clientAppService";
import { MonitoringStack } from "../../components/monitoring/monitoringStack";
import { ZooKeeperEnsemble } from "../../components/zookeeper/zookeeperEnsemble";
import { argumentProblems } from "../../testkit/argumentProblems";
import { MONITORING_STACK_TYPE } from "../../components/shared/typeTokens";

async function platform(tag: string, opts: { grafana: boolean; webhook?: string; publish: boolean }) {
    const before = mocks.registrations.length;
    const ensemble = new ZooKeeperEnsemble(`zk${tag}`, { image: "zookeeper:3.9.4", size: 3 });
    const app = new ClientAppService(`app${tag}`, {
        ensemble,
        image: "zookeeper-platform/client-app:0.1.0",
        replicas: 2,
        chroot: opts.publish ? "/platform" : undefined,
        hostPortBase: opts.publish ? 28080 : undefined,
    });
    const monitoring = new MonitoringStack(`mon${tag}`, {
        ensembles: [ensemble],
        apps: [app],
        prometheusImage: "prom/prometheus:v2.53.0",
        alertmanagerImage: "prom/alertmanager:v0.27.0",
        grafanaImage: "grafana/grafana-oss:11.3.0",
        grafanaEnabled: opts.grafana,
        alertWebhookUrl: opts.webhook,
        retention: "15d",
        scrapeInterval: "10s",
        serverDownFor: "30s",
        prometheusHostPort: opts.publish ? 29090 : undefined,
        alertmanagerHostPort: opts.publish ? 29093 : undefined,
        grafanaHostPort: opts.publish ? 23000 : undefined,
    });
    await resolve(monitoring.prometheus.id);
    await resolve(monitoring.alertmanager.id);
    await Promise.all(app.containers.map((c) => resolve(c.id)));
    if (monitoring.grafana) {
        await resolve(monitoring.grafana.id);
    }
    await mocks.settle();
    const containers = mocks.containers().filter((r) => mocks.registrations.indexOf(r) >= before);
    const byName = (n: string) => {
        const found = containers.find((c) => c.name === n);
        if (!found) throw new Error(`no container ${n}`);
        return found;
    };
    return { ensemble, app, monitoring, containers, byName, tag };
}

describe("ClientAppService", () => {
    let p: Awaited<ReturnType<typeof platform>>;
    beforeAll(async () => {
        p = await platform("c", { grafana: true, publish: true });
    });

    it("runs one container per replica, configured through the environment", () => {
        const replicas = [1, 2].map((i) => p.byName(`app${p.tag}-${i}`));
        expect(replicas.map((r) => r.inputs.name)).toEqual([`app${p.tag}-staging-1`, `app${p.tag}-staging-2`]);
        for (const [i, r] of replicas.entries()) {
            const env = envMap(r);
            expect(env.ZOOKEEPER_CONNECT).toBe(`zk${p.tag}-staging-1:2181,zk${p.tag}-staging-2:2181,zk${p.tag}-staging-3:2181/platform`);
            expect(env.PORT).toBe("8080");
            expect(env.REPLICA_ID).toBe(`app${p.tag}-staging-${i + 1}`);
            expect(r.inputs.networksAdvanced[0].name).toBe(`zk${p.tag}-staging-net`);
            expect(r.inputs.user).toBe("1000:1000");
            expect(r.inputs.memory).toBe(192);
            expect(r.inputs.logOpts).toEqual({ "max-size": "10m", "max-file": "3" });
            expect(r.inputs.healthcheck.tests.join(" ")).toContain("fetch('http://127.0.0.1:8080/healthz')");
        }
    });

    it("starts only after the ensemble's ready gate", () => {
        const gate = p.byName(`zk${p.tag}-ready-gate`);
        for (const i of [1, 2]) {
            expect(p.byName(`app${p.tag}-${i}`).dependencies).toContain(gate.urn);
        }
    });

    it("publishes HTTP on 127.0.0.1 and reports host URLs and in-network metrics targets", async () => {
        expect(p.byName(`app${p.tag}-2`).inputs.ports).toEqual([{ internal: 8080, external: 28081, ip: "127.0.0.1", protocol: "tcp" }]);
        expect(await resolve(p.app.urls)).toEqual(["http://127.0.0.1:28080", "http://127.0.0.1:28081"]);
        expect(p.app.metricsTargets.map((t) => t.address)).toEqual([`app${p.tag}-staging-1:8080`, `app${p.tag}-staging-2:8080`]);
    });

    it("refuses bad replicas and chroots", () => {
        const ensemble = p.ensemble;
        const chrootRule =
            "must be an absolute znode path such as /my-app (letters, digits, '.', '_', '-'; no trailing slash; not under /zookeeper)";
        expect(() => new ClientAppService("x", { ensemble, image: "i", replicas: 0 })).toThrow(
            'ClientAppService "x": invalid arguments (1 problem):\n  - replicas: 0 is not allowed: must be an integer between 1 and 16',
        );
        expect(argumentProblems(() => new ClientAppService("x", { ensemble, image: "i", chroot: "platform/" }))).toEqual([
            `chroot: "platform/" is not allowed: ${chrootRule}`,
        ]);
        expect(argumentProblems(() => new ClientAppService("x", { ensemble, image: "i", chroot: "/zookeeper/quota" }))).toEqual([
            `chroot: "/zookeeper/quota" is not allowed: ${chrootRule}`,
        ]);
    });
});

describe("MonitoringStack", () => {
    let p: Awaited<ReturnType<typeof platform>>;
    beforeAll(async () => {
        p = await platform("m", { grafana: true, webhook: "https://hooks.example.test/zk?token=s3cr3t", publish: true });
    });

    it("scrapes every ZooKeeper server and every app replica", () => {
        const config = parse(upload(p.byName(`mon${p.tag}-prometheus`), "/etc/prometheus/prometheus.yml"));
        const targets = (job: string) =>
            config.scrape_configs
                .find((j: { job_name: string }) => j.job_name === job)
                .static_configs.flatMap((c: { targets: string[] }) => c.targets);
        expect(targets("zookeeper")).toEqual([1, 2, 3].map((i) => `zk${p.tag}-staging-${i}:7000`));
        expect(targets("client-app")).toEqual([1, 2].map((i) => `app${p.tag}-staging-${i}:8080`));
        expect(config.alerting.alertmanagers[0].static_configs[0].targets).toEqual([`mon${p.tag}-staging-alertmanager:9093`]);
        expect(config.global.scrape_interval).toBe("10s");
    });

    it("starts alongside the servers: waits for no server, gate or app, only for the network it joins", () => {
        const component = mocks.registrations.find((r) => r.type === MONITORING_STACK_TYPE && r.name === `mon${p.tag}`)!;
        expect(component.dependencies).toEqual([]);
        const containerUrns = new Set(mocks.containers().map((c) => c.urn));
        for (const name of [`mon${p.tag}-prometheus`, `mon${p.tag}-alertmanager`, `mon${p.tag}-grafana`]) {
            const deps = [...p.byName(name).dependencies, ...Object.values(p.byName(name).propertyDependencies).flat()];
            expect(deps.filter((u) => containerUrns.has(u) && !u.includes(`mon${p.tag}-`))).toEqual([]);
        }
    });

    it("uploads the rules next to the config with the configured down time", () => {
        const rules = parse(upload(p.byName(`mon${p.tag}-prometheus`), "/etc/prometheus/rules/zookeeper.rules.yml"));
        const down = rules.groups[0].rules.find((r: { alert: string }) => r.alert === "ZooKeeperServerDown");
        expect(down.for).toBe("30s");
    });

    it("runs Prometheus with explicit arguments, a data volume and on every ensemble network", () => {
        const prom = p.byName(`mon${p.tag}-prometheus`);
        expect(prom.inputs.command).toEqual([
            "--config.file=/etc/prometheus/prometheus.yml",
            "--storage.tsdb.path=/prometheus",
            "--storage.tsdb.retention.time=15d",
            "--web.enable-lifecycle",
        ]);
        expect(prom.inputs.volumes).toEqual([{ volumeName: `mon${p.tag}-staging-prometheus-data`, containerPath: "/prometheus" }]);
        expect(prom.inputs.networksAdvanced.map((n: { name: string }) => n.name)).toEqual([`zk${p.tag}-staging-net`]);
        expect(prom.inputs.user).toBe("65534:65534");
    });

    it("routes alerts to the webhook", () => {
        const am = p.byName(`mon${p.tag}-alertmanager`);
        const config = parse(upload(am, "/etc/alertmanager/alertmanager.yml"));
        expect(config.receivers[0].webhook_configs[0].url).toBe("https://hooks.example.test/zk?token=s3cr3t");
        expect(am.secretInputs).toEqual(["uploads"]);
        expect(am.inputs.command).toEqual([
            "--config.file=/etc/alertmanager/alertmanager.yml",
            "--storage.path=/alertmanager",
            "--cluster.listen-address=",
        ]);
    });

    it("publishes every port on 127.0.0.1 only", () => {
        const bindings = p.containers.flatMap((c) => (c.inputs.ports ?? []) as { ip: string; external: number }[]);
        expect(bindings.map((b) => b.external).sort()).toEqual([23000, 28080, 28081, 29090, 29093]);
        expect(bindings.every((b) => b.ip === "127.0.0.1")).toBe(true);
    });

    it("reports host URLs", async () => {
        expect(await resolve(p.monitoring.prometheusUrl)).toBe("http://127.0.0.1:29090");
        expect(await resolve(p.monitoring.alertmanagerUrl)).toBe("http://127.0.0.1:29093");
        expect(await resolve(p.monitoring.grafanaUrl)).toBe("http://127.0.0.1:23000");
    });

    it("hands Grafana its admin password only as a file and exports it as a secret", async () => {
        const grafana = p.byName(`mon${p.tag}-grafana`);
        const env = envMap(grafana);
        expect(env.GF_SECURITY_ADMIN_PASSWORD__FILE).toBe("/run/secrets/grafana_admin_password");
        expect(env.GF_SECURITY_ADMIN_PASSWORD).toBeUndefined();
        expect(env.GF_AUTH_ANONYMOUS_ENABLED).toBe("false");
        expect(upload(grafana, "/run/secrets/grafana_admin_password")).toBe(MOCK_GRAFANA_PASSWORD);
        for (const c of p.containers) {
            for (const entry of (c.inputs.envs ?? []) as string[]) {
                expect(entry).not.toContain(MOCK_GRAFANA_PASSWORD);
            }
        }
        expect(grafana.secretInputs).toEqual(["uploads"]);
        expect(await isSecret(p.monitoring.grafanaAdminPassword)).toBe(true);
        expect(await resolve(p.monitoring.grafanaAdminPassword)).toBe(MOCK_GRAFANA_PASSWORD);
        const password = mocks.byName(`mon${p.tag}-grafana-admin-password`);
        expect(password.inputs).toEqual({ length: 24, special: false });
    });

    it("provisions the data source and the dashboard", () => {
        const grafana = p.byName(`mon${p.tag}-grafana`);
        const ds = parse(upload(grafana, "/etc/grafana/provisioning/datasources/prometheus.yml"));
        expect(ds.datasources[0].url).toBe(`http://mon${p.tag}-staging-prometheus:9090`);
        const dashboard = JSON.parse(upload(grafana, "/etc/grafana/dashboards/zookeeper.json"));
        expect(dashboard.panels.filter((x: { type: string }) => x.type === "timeseries").length).toBeGreaterThan(5);
    });

    it("runs every monitoring container unprivileged with limits and rotated logs", () => {
        for (const name of ["prometheus", "alertmanager", "grafana"]) {
            const c = p.byName(`mon${p.tag}-${name}`);
            expect(c.inputs.user).not.toMatch(/^(root|0)(:|$)/);
            expect(c.inputs.capabilities).toEqual({ drops: ["ALL"] });
            expect(c.inputs.memory).toBeGreaterThan(0);
            expect(c.inputs.logOpts).toEqual({ "max-size": "10m", "max-file": "3" });
        }
    });
});

describe("MonitoringStack without Grafana or published ports", () => {
    it("creates no Grafana and reports no URLs", async () => {
        const p = await platform("n", { grafana: false, publish: false });
        expect(p.containers.some((c) => c.name.endsWith("-grafana"))).toBe(false);
        expect(p.monitoring.grafana).toBeUndefined();
        expect(await resolve(p.monitoring.grafanaUrl)).toBeUndefined();
        expect(await resolve(p.monitoring.prometheusUrl)).toBeUndefined();
        expect(await resolve(p.monitoring.grafanaAdminPassword)).toBeUndefined();
        const am = parse(upload(p.byName(`mon${p.tag}-alertmanager`), "/etc/alertmanager/alertmanager.yml"));
        expect(am.route.receiver).toBe("null");
        expect(p.containers.flatMap((c) => c.inputs.ports ?? [])).toEqual([]);
    });

    it("refuses bad arguments", () => {
        expect(() => new MonitoringStack("m", { ensembles: [], prometheusImage: "p", alertmanagerImage: "a" })).toThrow(
            'MonitoringStack "m": invalid arguments (1 problem):\n  - ensembles: [] is not allowed: must list at least one ensemble to watch',
        );
    });
});
