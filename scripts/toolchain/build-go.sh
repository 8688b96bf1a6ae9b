#!/usr/bin/env bash
# Builds the Pulumi CLI, our Node.js language host, Pulumi YAML's language host, the docker and
# random provider plugins and actionlint from Go modules, then installs the plugins. Each binary is rebuilt only when its inputs change.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/env.sh"
source "$here/versions.sh"

bin="$ZK_TOOLCHAIN_HOME/bin"
# Provider binaries stay off PATH: the engine would otherwise prefer them over the installed
# plugins and warn on every run.
providers="$ZK_TOOLCHAIN_HOME/providers"
stamps="$ZK_TOOLCHAIN_HOME/stamps"
mkdir -p "$bin" "$providers" "$stamps"
export CGO_ENABLED=0

# stamp_of DIR EXTRA...: a hash of a wrapper module's sources plus the given strings.
stamp_of() {
  local dir="$1"; shift
  { (cd "$dir" && find . -path ./.upstream -prune -o -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' -o -name '*.in' \) -print | sort | xargs sha256sum); go version; echo "$@"; } | sha256sum | cut -c1-16
}

# build OUTDIR NAME DIR PACKAGE LDFLAGS [GOFLAGS...]: go build unless the stamp matches the last
# build. Sets BUILT to 1 when it built, 0 when the binary was up to date; a failed build ends the script.
build() {
  local bin="$1" name="$2" dir="$3" pkg="$4" ldflags="$5"; shift 5
  local stamp; stamp="$(stamp_of "$dir" "$pkg" "$ldflags" "$@")"
  BUILT=0
  if [[ -x "$bin/$name" && "$(cat "$stamps/$name" 2>/dev/null)" == "$stamp" ]]; then
    echo "  $name: up to date"
    return
  fi
  echo "  $name: building (this takes minutes on a cold cache)"
  if ! (cd "$dir" && go build -trimpath "$@" -ldflags "$ldflags" -o "$bin/$name.tmp" "$pkg"); then
    echo "error: building $name in $dir failed" >&2
    exit 1
  fi
  mv "$bin/$name.tmp" "$bin/$name"
  echo "$stamp" > "$stamps/$name"
  BUILT=1
}

# The upstream Docker provider keeps its constructor in an internal package; a copy of the module
# gets a one-file shim package that exposes it (see provider-docker/shim.go.in).
prepare_docker_upstream() {
  local src dest="$ZK_TOOLCHAIN_HOME/src/terraform-provider-docker@$DOCKER_UPSTREAM_VERSION"
  if [[ ! -f "$dest/shim/shim.go" ]] || ! cmp -s "$here/provider-docker/shim.go.in" "$dest/shim/shim.go"; then
    src="$(cd "$here/provider-docker" && go mod download -json "$DOCKER_UPSTREAM_MODULE@$DOCKER_UPSTREAM_VERSION" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j.Error){console.error(j.Error);process.exit(1)}console.log(j.Dir)})')"
    rm -rf "$dest"
    mkdir -p "$(dirname "$dest")"
    cp -r "$src" "$dest"
    chmod -R u+w "$dest"
    mkdir -p "$dest/shim"
    cp "$here/provider-docker/shim.go.in" "$dest/shim/shim.go"
  fi
  mkdir -p "$here/provider-docker/.upstream"
  ln -sfn "$dest" "$here/provider-docker/.upstream/terraform-provider-docker"
}

sdk_version_flag="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_CLI_VERSION"

build "$bin" pulumi "$here/pulumi-cli" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi "$sdk_version_flag" -tags osusergo,grpcnotrace
build "$bin" pulumi-language-nodejs "$here/language-nodejs" . "$sdk_version_flag"
# Pulumi YAML's language host, for YAML programs that use the package (examples/yaml/). v1.25.0
# needs pulumi/pkg v3.206.0 (against the CLI's v3.274.1 it does not compile), and lacks Link.
build "$bin" pulumi-language-yaml "$here/language-yaml" . ""

prepare_docker_upstream
build "$providers" pulumi-resource-docker "$here/provider-docker" . "-X main.Version=$DOCKER_PROVIDER_VERSION" -tags no_compose
docker_built=$BUILT
build "$providers" pulumi-resource-random "$here/provider-random" . "-X main.Version=$RANDOM_PROVIDER_VERSION"
random_built=$BUILT

# actionlint: a plain `go install` of a tagged module, checked by the version it reports.
if [[ "$("$bin/actionlint" -version 2>/dev/null | head -1)" == "$ACTIONLINT_VERSION" ]]; then
  echo "  actionlint: up to date"
else
  echo "  actionlint: building"
  GOBIN="$bin" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
fi

# install_plugin NAME VERSION FORCE: `pulumi plugin install --file`, skipped when already installed.
install_plugin() {
  local name="$1" version="$2" force="$3"
  if [[ "$force" == 0 ]] && pulumi plugin ls 2>/dev/null | awk '$2=="resource"{print $1" "$3}' | grep -qx "$name $version"; then
    echo "  plugin $name $version: installed"
    return
  fi
  pulumi plugin install resource "$name" "$version" --file "$providers/pulumi-resource-$name" --reinstall
}
install_plugin docker "$DOCKER_PROVIDER_VERSION" "$docker_built"
install_plugin random "$RANDOM_PROVIDER_VERSION" "$random_built"

# Make the CLI reachable from a plain shell too (`pulumi version`), when we may write there.
if [[ -w /usr/local/bin ]]; then
  ln -sfn "$bin/pulumi" /usr/local/bin/pulumi
  ln -sfn "$bin/pulumi-language-nodejs" /usr/local/bin/pulumi-language-nodejs
  ln -sfn "$bin/pulumi-language-yaml" /usr/local/bin/pulumi-language-yaml
fi
pulumi version
