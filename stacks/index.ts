/**
 * The stack program (`pulumi up -s dev|staging|prod`). Configuration is read
 * and validated first: a bad configuration throws here, before any resource
 * is registered, so it creates and changes nothing.
 */
import { parseStackConfig, readRawStackConfig, resolvePlatformSettings } from "./config";
import { deployPlatform } from "./program";

const settings = resolvePlatformSettings(parseStackConfig(readRawStackConfig()));

// Stack outputs: zookeeperConnectionString, and where they apply
// zookeeperHostConnectionString, clientAppUrls, prometheusUrl,
// alertmanagerUrl, grafanaUrl, grafanaAdminPassword, and with zookeeper.auth.clientDigest
// zookeeperSuperCredentials and clientAppZooKeeperCredentials (secrets).
export = deployPlatform(settings);
