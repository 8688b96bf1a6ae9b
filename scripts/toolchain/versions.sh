# The versions the toolchain builds. Provider versions come from package.json, so moving
# @pulumi/docker or @pulumi/random is a one-line change there.
PULUMI_CLI_VERSION=3.274.1
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
npm_version() { node -p "require('$repo_root/package.json').dependencies['$1'].replace(/^[^0-9]*/, '')"; }
DOCKER_PROVIDER_VERSION="$(npm_version @pulumi/docker)"
RANDOM_PROVIDER_VERSION="$(npm_version @pulumi/random)"
# The only version of the upstream Terraform Docker provider that the Go module proxy serves here.
DOCKER_UPSTREAM_MODULE=github.com/kreuzwerker/terraform-provider-docker
DOCKER_UPSTREAM_VERSION=v0.0.0-20260916201441-96d331c98ff4
# Lints the GitHub workflows offline (.ci/run); served by the Go module proxy.
ACTIONLINT_VERSION=v1.7.12
