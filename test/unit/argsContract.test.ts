/**
 * The Args interfaces and the zod schemas are one contract: each interface equals its schema's input
 * type both ways (checked by `tsc`, which `npm test` runs before jest), and the interfaces stay
 * plain data another Pulumi language can express: no type aliases, no unions other than string
 * literal enums, no readonly arrays.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { z } from "zod";
import {
    ClientAppServiceArgs,
    MonitoringStackArgs,
    ZooCfgSettings,
    ZooKeeperEnsembleArgs,
    ZooKeeperNodeArgs,
    clientAppServiceArgsSchema,
    monitoringStackArgsSchema,
    zooCfgSettingsSchema,
    zooKeeperEnsembleArgsSchema,
    zooKeeperNodeArgsSchema,
} from "../../index";

/** true when A and B are assignable to each other. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

const ensemble: Same<z.input<typeof zooKeeperEnsembleArgsSchema>, ZooKeeperEnsembleArgs> = true;
const node: Same<z.input<typeof zooKeeperNodeArgsSchema>, ZooKeeperNodeArgs> = true;
const zooCfg: Same<z.input<typeof zooCfgSettingsSchema>, ZooCfgSettings> = true;
const app: Same<z.input<typeof clientAppServiceArgsSchema>, ClientAppServiceArgs> = true;
const monitoring: Same<z.input<typeof monitoringStackArgsSchema>, MonitoringStackArgs> = true;
// The check can fail: an interface with one more required field is not the same.
// @ts-expect-error a required extra field breaks the equality
const broken: Same<z.input<typeof zooKeeperEnsembleArgsSchema>, ZooKeeperEnsembleArgs & { extra: string }> = true;

test("every Args interface equals its schema's input type (tsc checks the constants above)", () => {
    expect([ensemble, node, zooCfg, app, monitoring, broken]).toEqual([true, true, true, true, true, true]);
});

/** The interfaces reachable from the components' Args, by the file that declares them. */
const ARGS_INTERFACES: Readonly<Record<string, string[]>> = {
    "components/zookeeper/ensembleArgs.ts": ["ZooKeeperEnsembleArgs", "ZooKeeperAuthArgs", "ZooKeeperServerEndpoint"],
    "components/zookeeper/zookeeperNode.ts": ["ZooKeeperNodeArgs", "ZooKeeperNodeAuth"],
    "components/zookeeper/zooCfg.ts": ["ZooCfgOptions", "ZooCfgSettings", "ZooKeeperServerEntry"],
    "components/clientApp/clientAppService.ts": ["ClientAppServiceArgs", "ClientAppEnsemble"],
    "components/monitoring/monitoringArgs.ts": ["MonitoringStackArgs", "MonitoredEnsemble", "MonitoredApp"],
    "components/shared/containerConventions.ts": ["ScrapeTarget"],
};

/** Why a property's type is not plain data another language can express, or undefined. */
function typeProblem(node: ts.TypeNode): string | undefined {
    if (ts.isUnionTypeNode(node)) {
        const enumLike = node.types.every((t) => ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal));
        return enumLike ? undefined : "a union other than a string-literal enum";
    }
    if (ts.isTypeOperatorNode(node) && node.operator === ts.SyntaxKind.ReadonlyKeyword) {
        return "a readonly array";
    }
    if (
        ts.isTypeReferenceNode(node) &&
        ["ReadonlyArray", "Readonly", "Record", "Partial", "Pick", "Omit"].includes(node.typeName.getText())
    ) {
        return `a ${node.typeName.getText()}<...> type`;
    }
    let found: string | undefined;
    node.forEachChild((child) => {
        if (found === undefined && ts.isTypeNode(child)) {
            found = typeProblem(child);
        }
    });
    return found;
}

describe.each(Object.entries(ARGS_INTERFACES))("%s", (file, names) => {
    const source = ts.createSourceFile(file, fs.readFileSync(path.join(__dirname, "..", "..", file), "utf8"), ts.ScriptTarget.ES2022, true);
    const declared = new Map<string, ts.InterfaceDeclaration>();
    source.forEachChild((n) => {
        if (ts.isInterfaceDeclaration(n)) {
            declared.set(n.name.text, n);
        }
    });

    it.each(names)("%s is a documented interface of plain data", (name) => {
        const decl = declared.get(name);
        expect({ name, isInterface: decl !== undefined }).toEqual({ name, isInterface: true });
        const problems: string[] = [];
        for (const member of decl!.members) {
            if (!ts.isPropertySignature(member) || member.type === undefined) {
                problems.push(`${member.getText()}: not a typed property`);
                continue;
            }
            const problem = typeProblem(member.type);
            if (problem) {
                problems.push(`${member.name.getText()}: ${problem} (${member.type.getText()})`);
            }
            if (ts.getJSDocCommentsAndTags(member).length === 0) {
                problems.push(`${member.name.getText()}: no doc comment`);
            }
        }
        expect(problems).toEqual([]);
    });
});
