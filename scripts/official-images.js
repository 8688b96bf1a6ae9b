// Prints the official image names a committed stack file deploys, one per line (for scripts/up.sh).
const fs = require("fs");
const YAML = require("yaml");

const config = YAML.parse(fs.readFileSync(process.argv[2], "utf8")).config;
const ns = (key) => config[`zookeeper-platform:${key}`] ?? {};
const images = [ns("zookeeper").image, ns("clientApp").enabled === false ? undefined : ns("clientApp").image];
if (ns("monitoring").enabled !== false) {
    images.push(ns("monitoring").prometheusImage, ns("monitoring").alertmanagerImage);
    if (ns("monitoring").grafanaEnabled) images.push(ns("monitoring").grafanaImage);
}
console.log(images.filter(Boolean).join("\n"));
