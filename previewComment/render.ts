/**
 * The pull-request comment of one environment's preview, as Markdown. Its first line is a marker
 * the preview workflow finds the comment by, so each environment keeps one comment that is
 * edited in place. It names resources, operations and property names, never a value: a preview
 * of a stack holds secrets, and a comment is read by everyone who can read the pull request.
 * Pure.
 * @internal
 */
import { PolicyViolation } from "./events";
import { ChangedResource, ComponentGroup, PolicyPackResult, PreviewSummary, isBlocked, isBlocking, nameOfUrn } from "./summarize";

/** First line of the comment of `env`'s preview: the workflow edits the comment that starts so. */
export function commentMarker(env: string): string {
    return `<!-- pulumi-zookeeper-docker preview: ${env} -->`;
}

/** Shown when the preview plans nothing; tests and the workflow look for it. */
export const NO_CHANGES = "No changes";

const CHANGE_LABELS: Record<ChangedResource["change"], string> = {
    create: "➕ create",
    update: "✏️ update",
    replace: "🔁 replace",
    delete: "➖ delete",
    read: "📖 read",
    import: "📥 import",
    refresh: "🔄 refresh",
};

const COUNT_ORDER: ReadonlyArray<[ChangedResource["change"], string]> = [
    ["replace", "to replace"],
    ["create", "to create"],
    ["update", "to update"],
    ["delete", "to delete"],
    ["import", "to import"],
    ["read", "to read"],
    ["refresh", "to refresh"],
];

/** Text safe inside a Markdown table cell and inline code: no pipes, backticks or line breaks. */
function cell(text: string): string {
    return text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|").replace(/`/g, "'").trim();
}

/** `docker:index/container:Container` → `docker:Container`; component tokens stay as they are. */
export function shortType(type: string): string {
    const match = /^([^:]+):[^:]*\/[^:]*:(.+)$/.exec(type);
    return match ? `${match[1]}:${match[2]}` : type;
}

function why(resource: ChangedResource): string {
    const names = resource.properties.map((p) => `\`${cell(p)}\``).join(", ");
    switch (resource.change) {
        case "replace":
            return `${names === "" ? "replacement forced by the provider" : `${names} changed`}${resource.deleteFirst ? "; the old one is deleted first" : ""}`;
        case "update":
            return names === "" ? "changed in place" : `${names} changed in place`;
        case "create":
            return "new in the program";
        case "delete":
            return "no longer in the program";
        default:
            return "";
    }
}

function groupTitle(group: ComponentGroup): string {
    if (group.component === undefined) {
        return "Outside any component";
    }
    return `${cell(shortType(group.component.type).split(":").pop()!)} \`${cell(group.component.name)}\``;
}

function countsLine(groups: readonly ComponentGroup[]): string {
    const all = groups.flatMap((g) => g.resources);
    return COUNT_ORDER.map(([change, label]) => [all.filter((r) => r.change === change).length, label] as const)
        .filter(([count]) => count > 0)
        .map(([count, label]) => `${count} ${label}`)
        .join(" · ");
}

function renderGroup(group: ComponentGroup): string[] {
    const counts = countsLine([group]);
    return [
        `#### ${groupTitle(group)}: ${counts}`,
        "",
        "| Resource | Type | Change | Why |",
        "| --- | --- | --- | --- |",
        ...group.resources.map((r) => `| \`${cell(r.name)}\` | \`${cell(shortType(r.type))}\` | ${CHANGE_LABELS[r.change]} | ${why(r)} |`),
        "",
    ];
}

function level(violation: PolicyViolation): string {
    return `${cell(violation.enforcementLevel)}${(violation.exceptions ?? []).length > 0 ? " (excepted)" : ""}`;
}

function renderPolicies(packs: readonly PolicyPackResult[]): string[] {
    if (packs.length === 0) {
        return ["#### Policy", "", "⚠️ No policy pack ran in this preview.", ""];
    }
    return packs.flatMap((pack) => {
        const title = `#### Policy: ${cell(pack.name)}${pack.version ? ` ${cell(pack.version)}` : ""}`;
        const mandatory = pack.violations.filter(isBlocking).length;
        const passed = `${pack.passed.length} ${pack.passed.length === 1 ? "policy" : "policies"} passed`;
        if (pack.violations.length === 0) {
            return [title, "", `✅ No violations (${passed}).`, ""];
        }
        const advisory = pack.violations.length - mandatory;
        return [
            title,
            "",
            `${mandatory > 0 ? "❌" : "⚠️"} ${mandatory} blocking, ${advisory} advisory or excepted ${pack.violations.length === 1 ? "violation" : "violations"} (${passed}).`,
            "",
            "| Policy | Level | Resource | Message |",
            "| --- | --- | --- | --- |",
            ...pack.violations.map(
                (v) =>
                    `| \`${cell(v.policyName)}\` | ${level(v)} | ${v.resourceUrn ? `\`${cell(nameOfUrn(v.resourceUrn))}\`` : "(stack)"} | ${cell(v.message)} |`,
            ),
            "",
        ];
    });
}

/** Each line of each message as a list item (an error may list several problems, a line each). */
function bullets(messages: readonly string[]): string[] {
    return messages
        .flatMap((m) => m.split(/\r?\n/))
        .filter((line) => line.trim() !== "")
        .map((line) => `- ${cell(line)}`);
}

export function renderPreviewComment(env: string, summary: PreviewSummary): string {
    const changes = countsLine(summary.groups);
    const failed = summary.errors.length > 0;
    const blocked = isBlocked(summary);
    const headline = failed
        ? `❌ **The preview failed**: nothing would be deployed as it stands${blocked ? "; a mandatory policy blocks it (see Policy)" : ""}.`
        : changes === ""
          ? `✅ **${NO_CHANGES}**: the deployed stack matches the program (${summary.unchanged} resources unchanged).`
          : `**${changes}**${summary.unchanged > 0 ? ` (${summary.unchanged} resources unchanged)` : ""}`;
    return [
        commentMarker(env),
        `### \`pulumi preview\` of \`${cell(env)}\``,
        "",
        headline,
        "",
        ...(failed ? ["#### Errors", "", ...bullets(summary.errors), ""] : []),
        ...summary.groups.flatMap(renderGroup),
        ...renderPolicies(summary.policyPacks),
        ...(summary.warnings.length > 0 ? ["#### Warnings", "", ...bullets(summary.warnings), ""] : []),
        "<sub>Names and properties only: values, secret or not, are never shown here. `npm run preview:comment -- " +
            cell(env) +
            "` renders this locally.</sub>",
        "",
    ].join("\n");
}
