/**
 * The stack program (`pulumi up -s dev|staging|prod`). Configuration is read
 * and validated first: a bad configuration throws here, before any resource
 * is registered, so it creates and changes nothing.
 */
import { parseStackConfig, resolvePlatformSettings } from "./config";
import { readRawStackConfig, readSecretConfigKeys } from "./configSource";
import { deployPlatform } from "./program";
import { keepSourceMapsForMessagesOnly } from "./promiseStackTraces";

keepSourceMapsForMessagesOnly();

// Values set with --secret are shown as [secret] in configuration errors.
const settings = resolvePlatformSettings(parseStackConfig(readRawStackConfig(), { secretKeys: readSecretConfigKeys() }));

// Stack outputs: zookeeperConnectionString, zookeeperSuperCredentials (secret), and where they
// apply zookeeperHostConnectionString, clientAppUrls, prometheusUrl, alertmanagerUrl, grafanaUrl,
// grafanaAdminPassword, and with zookeeper.auth.clientDigest clientAppZooKeeperCredentials (secret).
export = deployPlatform(settings);
