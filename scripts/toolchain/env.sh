# Sourced by every toolchain and test script: where the toolchain lives and how Pulumi runs offline.
# Caches live outside the repository so that a clean clone on the same machine reuses them.
ZK_TOOLCHAIN_HOME="${ZK_TOOLCHAIN_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/zk-toolchain}"
export ZK_TOOLCHAIN_HOME
export PATH="$ZK_TOOLCHAIN_HOME/bin:$PATH"
# No update checks and no plugin downloads: nothing outside the package registries is reachable,
# and every plugin is built and installed by scripts/toolchain/build-go.sh.
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true
