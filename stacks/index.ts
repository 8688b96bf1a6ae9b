/**
 * The stack program (`pulumi up -s dev|staging|prod`). Configuration is read
 * and validated first: a bad configuration throws here, before any resource
 * is registered, so it creates and changes nothing.
 */
import { parseStackConfig, readRawStackConfig, resolvePlatformSettings } from "./config";
import { deployPlatform } from "./program";

const settings = resolvePlatformSettings(parseStackConfig(readRawStackConfig()));
const outputs = deployPlatform(settings);

export const zookeeperConnectionString = outputs.zookeeperConnectionString;
export const zookeeperHostConnectionString = outputs.zookeeperHostConnectionString;
export const clientAppUrls = outputs.clientAppUrls;
export const prometheusUrl = outputs.prometheusUrl;
export const alertmanagerUrl = outputs.alertmanagerUrl;
export const grafanaUrl = outputs.grafanaUrl;
export const grafanaAdminPassword = outputs.grafanaAdminPassword;
