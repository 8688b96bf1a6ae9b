/**
 * The pre-flight check of an ensemble update: a one-shot container every server waits for, run
 * again whenever the wanted membership or the servers' settings change. Before a size change it
 * reads `/zookeeper/config` and `srvr` from every live member and refuses, showing the live
 * member list, when a member does not serve, when the live membership is neither the one this
 * package last committed nor on the way from it to the new one, or when other server settings
 * change too. Pure text.
 */
import { z } from "zod";
import { parseArgs } from "../shared/contract";
import { DEPLOYMENT_RECORD_ZNODE, assignments, renderReadConfig, renderShellPreamble } from "./gateShell";
import { GateMember } from "./rollGates";
import { rollTimeoutSecondsField, serverEntrySchema } from "./schema";
import { CLIENT_PORT } from "./zooCfg";

/** What the pre-flight check compares the live ensemble with. */
export interface PreflightSettings {
    /** Every member the program wants. */
    servers: GateMember[];
    /** Host name prefix of the ensemble's servers (`<prefix>-<id>`). */
    namePrefix: string;
    /** Hash of the servers' settings (see ReadyGateSettings.settingsHash). */
    settingsHash: string;
    /** Give up after this many seconds. */
    timeoutSeconds: number;
    /** Refuse any size change, saying why (a swarm ensemble cannot resize yet). Default: resizes are checked and allowed. */
    refuseSizeChange?: string;
}

const preflightSettingsSchema = z.strictObject({
    servers: z.array(serverEntrySchema).min(1),
    namePrefix: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/),
    settingsHash: z.string().regex(/^[a-f0-9]{8,64}$/),
    timeoutSeconds: rollTimeoutSecondsField(),
    refuseSizeChange: z.string().min(1).optional(),
});

/** First words of the refusals, for tests and documentation. */
export const PREFLIGHT_REFUSALS = Object.freeze({
    noRecord: "no record of the membership this package committed",
    settingsToo: "change size alone, then roll",
    notServing: "does not serve",
    foreign: "was not added by this package",
    diverged: "differs from the one last committed by Pulumi",
});

export function renderPreflightScript(settings: PreflightSettings): string {
    parseArgs("renderPreflightScript", "settings", preflightSettingsSchema, settings);
    const sorted = [...settings.servers].sort((a, b) => a.id - b.id);
    const R = PREFLIGHT_REFUSALS;
    return [
        ...renderShellPreamble("preflight"),
        ...renderReadConfig(),
        ...assignments({
            hosts: `"${sorted.map((s) => s.host).join(" ")}"`,
            ids: sorted.map((s) => s.id).join(","),
            prefix: settings.namePrefix,
            settings: settings.settingsHash,
            timeout: String(settings.timeoutSeconds),
            deadline: "$((SECONDS + timeout))",
        }),
        'subset() { [ -z "$(comm -23 <(tr , \'\\n\' <<<"$1" | sort) <(tr , \'\\n\' <<<"$2" | sort))" ]; }',
        'serving=""',
        "for attempt in 1 2 3; do",
        `  for h in $hosts; do serves "$h" && serving="\${serving:+$serving,}$h:${CLIENT_PORT}"; done`,
        '  [ -n "$serving" ] && break',
        '  [ "$attempt" -lt 3 ] && sleep 0.5',
        "done",
        'if [ -z "$serving" ]; then pass "no member serves (a new ensemble, or one that is down): nothing to check"; fi',
        `read_config "$serving" 'get ${DEPLOYMENT_RECORD_ZNODE}'`,
        "live=\"version $cfg_version: $(printf '%s\\n' \"$cfg\" | sed 's/:.*//' | paste -sd' ' -)\"",
        'if [ "$cfg_ids" = "$ids" ]; then pass "the live membership is the one this update keeps ($live)"; fi',
        'echo "preflight: size change from $cfg_ids to $ids; live membership $live"',
        ...(settings.refuseSizeChange === undefined
            ? []
            : [
                  `fail "refused: a size change (members $cfg_ids -> $ids): ${settings.refuseSizeChange.replace(/["$`\\]/g, "")}. Live membership $live"`,
              ]),
        "record=\"$(printf '%s\\n' \"$cfg_out\" | grep '^members=' | tail -n 1)\"",
        `[ -n "$record" ] || fail "refused: ${R.noRecord} (${DEPLOYMENT_RECORD_ZNODE}); run pulumi up once without changing size, then resize. Live membership $live"`,
        'rec_ids="${record#members=}"; rec_ids="${rec_ids%%;*}"; rec_settings="${record##*settings=}"',
        `[ "$rec_settings" = "$settings" ] || fail "refused: ${R.settingsToo}: this update changes the size ($cfg_ids -> $ids) and other server settings together. Live membership $live"`,
        "while read -r line; do",
        '  id="$(member_ids <<<"$line")"; host="$(member_hosts <<<"$line")"',
        `  [ "$host" = "$prefix-$id" ] || fail "refused: member $id ($host) ${R.foreign}. Live membership $live"`,
        `  serves "$host" || fail "refused: member $id ($host) ${R.notServing} (mode: $(mode_of "$host" | grep . || echo none)); bring it back before changing size. Live membership $live"`,
        'done <<<"$cfg"',
        'if { subset "$rec_ids" "$cfg_ids" && subset "$cfg_ids" "$ids"; } || { subset "$ids" "$cfg_ids" && subset "$cfg_ids" "$rec_ids"; }; then',
        '  pass "every live member serves; resizing from $cfg_ids (committed: $rec_ids) to $ids"',
        "fi",
        `fail "refused: the live membership ($cfg_ids) ${R.diverged} ($rec_ids) and is not on the way to $ids; reconcile it by hand (zkCli reconfig) first. Live membership $live"`,
        "",
    ].join("\n");
}
