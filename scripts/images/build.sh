#!/usr/bin/env bash
# Build the local stand-in images (zkpd.local/*) used instead of registry
# images: nothing is pulled, everything starts from a debootstrap'd rootfs.
#
#   scripts/images/build.sh [--refresh] [--verbose] [IMAGE...]
#
# IMAGE: debian jre17 zookeeper prometheus alertmanager node app (default:
# all). Dependencies of the named images are built too (e.g. zookeeper needs
# jre17 needs debian). "app" (zkpd.local/zk-client-app) is built only when
# app/Dockerfile exists: npm ci (if needed), npm run build, npm run stage (if
# defined), docker build --build-arg BASE_IMAGE=zkpd.local/node:20 app/.
#
# Idempotent: every image carries the label zkpd.recipe=<sha256 of its recipe
# inputs: Dockerfile and files, versions, parent image id>; an image whose tag
# already has that label is left alone, so a warm run takes seconds.
# --refresh re-runs debootstrap (fresh packages) and therefore rebuilds all.
#
# Caches (outside the repository):
#   ${XDG_CACHE_HOME:-~/.cache}/zk-toolchain/images/
#     rootfs/   debootstrap tarball     zookeeper-<v>/lib/  Maven-resolved jars
#     ctx/      build contexts          logs/               build logs
#
# Environment overrides:
#   ZKPD_DEBIAN_MIRROR / ZKPD_DEBIAN_SECURITY_MIRROR  Debian mirror URIs
#       (default: read from this machine's apt sources at run time)
#   ZKPD_NODE_BIN    node binary copied into zkpd.local/node (default: `command -v node`)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/zk-toolchain/images"

PREFIX="zkpd.local"
SUITE="bookworm"
ZK_VERSION="3.9.4"
NODE_MAJOR="20"
# Bump to force every image to be rebuilt after a change of this script's
# build logic that is not visible in the recipe files.
RECIPE_REV="1"

TAG_DEBIAN="$PREFIX/debian:$SUITE"
TAG_JRE="$PREFIX/jre17:$SUITE"
TAG_ZK="$PREFIX/zookeeper:$ZK_VERSION"
TAG_PROM="$PREFIX/prometheus"
TAG_AM="$PREFIX/alertmanager"
TAG_NODE="$PREFIX/node:$NODE_MAJOR"
TAG_APP="$PREFIX/zk-client-app:latest"

ALL_IMAGES=(debian jre17 zookeeper prometheus alertmanager node app)

export DOCKER_BUILDKIT=0 # the classic builder is what Debian's docker.io ships

REFRESH=0
VERBOSE=0

log() { printf '[images] %s\n' "$*"; }
die() { printf '[images] ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

# ---------------------------------------------------------------- arguments
requested=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --refresh) REFRESH=1 ;;
    -v|--verbose) VERBOSE=1 ;;
    all) requested+=("${ALL_IMAGES[@]}") ;;
    jre|jre17) requested+=(jre17) ;;
    debian|zookeeper|prometheus|alertmanager|node|app) requested+=("$1") ;;
    *) die "unknown image or option '$1' (images: ${ALL_IMAGES[*]})" ;;
  esac
  shift
done
[ ${#requested[@]} -gt 0 ] || requested=("${ALL_IMAGES[@]}")

parent_of() {
  case "$1" in
    debian) echo "" ;;
    jre17|prometheus|alertmanager|node) echo debian ;;
    zookeeper) echo jre17 ;;
    app) echo node ;;
  esac
}

declare -A WANT=()
add_with_deps() {
  local n="$1"
  while [ -n "$n" ]; do WANT[$n]=1; n="$(parent_of "$n")"; done
}
for n in "${requested[@]}"; do add_with_deps "$n"; done

# ------------------------------------------------------------------ helpers
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

# sha256 over files (relative names + contents), in a stable order.
# usage: hash_tree <dir> [find predicates...]
hash_tree() {
  local dir="$1"; shift
  (cd "$dir" && find . -type f "$@" -print0 | LC_ALL=C sort -z | xargs -0r sha256sum) | sha256sum | cut -d' ' -f1
}
hash_str() { printf '%s\n' "$@" | sha256sum | cut -d' ' -f1; }

image_label() { docker image inspect -f '{{ index .Config.Labels "zkpd.recipe" }}' "$1" 2>/dev/null || true; }
image_id() { docker image inspect -f '{{ .Id }}' "$1" 2>/dev/null || true; }
# After a rebuild, drop the image the tag pointed to before (if nothing else
# uses it: docker refuses for images with containers, tags or children).
drop_old_image() {
  local old="$1" tag="$2"
  [ -n "$old" ] && [ "$old" != "$(image_id "$tag")" ] || return 0
  docker rmi "$old" >/dev/null 2>&1 || true
}
up_to_date() { [ "$REFRESH" = 0 ] && [ "$(image_label "$1")" = "$2" ]; }

run_logged() { # run_logged <logname> <cmd...>: output to a log, shown on failure
  local logf="$CACHE/logs/$1.log"; shift
  if [ "$VERBOSE" = 1 ]; then
    "$@" 2>&1 | tee "$logf"
    return "${PIPESTATUS[0]}"
  fi
  if ! "$@" >"$logf" 2>&1; then
    echo "---- last lines of $logf ----" >&2
    tail -n 40 "$logf" >&2
    return 1
  fi
}

docker_build() { # docker_build <logname> <tag> <hash> <context> [docker build args...]
  local name="$1" tag="$2" hash="$3" ctx="$4"; shift 4
  OLD_IMAGE_ID="$(image_id "$tag")"
  run_logged "$name" docker build --label "zkpd.recipe=$hash" -t "$tag" "$@" "$ctx" \
    || die "docker build of $tag failed"
  drop_old_image "$OLD_IMAGE_ID" "$tag"
}

as_apt_install() { # as_apt_install <pkg...>
  export DEBIAN_FRONTEND=noninteractive
  local p missing=0
  for p in "$@"; do apt-cache show "$p" >/dev/null 2>&1 || missing=1; done
  if [ "$missing" = 1 ]; then
    log "apt-get update"
    apt-get update -qq || die "apt-get update failed"
  fi
  log "apt-get install $*"
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null || die "apt-get install $* failed"
}

need_cmd() { # need_cmd <command> <debian package>
  command -v "$1" >/dev/null 2>&1 && return 0
  [ "$(id -u)" = 0 ] || die "'$1' is missing; install the Debian package '$2'"
  as_apt_install "$2"
  command -v "$1" >/dev/null 2>&1 || die "'$1' still missing after installing $2"
}

# Debian mirrors, read from this machine's apt configuration at run time.
# Prints "<main-uri> <security-uri or ->".
detect_mirrors() {
  local main="${ZKPD_DEBIAN_MIRROR:-}" sec="${ZKPD_DEBIAN_SECURITY_MIRROR:-}" f u
  local uris=()
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    while read -r u; do uris+=("$u"); done < <(awk 'tolower($1)=="uris:" { for (i = 2; i <= NF; i++) print $i }' "$f")
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    while read -r u; do uris+=("$u"); done < <(awk '$1=="deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/ && $i !~ /=/) { print $i; break } }' "$f")
  done
  for u in "${uris[@]}"; do
    u="${u%/}"
    case "$u" in
      */debian-security) [ -n "$sec" ] || sec="$u" ;;
      */debian) [ -n "$main" ] || main="$u" ;;
    esac
  done
  [ -n "$main" ] || return 1
  echo "$main ${sec:--}"
}

# Unmount anything left mounted below a directory (a debootstrap that died
# half-way leaves /proc and /sys mounted), then remove it without crossing
# file systems.
remove_tree() {
  local d="$1" m
  [ -d "$d" ] || return 0
  while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done < <(awk -v d="$d/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
  rm -rf --one-file-system "$d"
}

mkdir -p "$CACHE/logs" "$CACHE/rootfs" "$CACHE/ctx" "$CACHE/versions"

# One build at a time per cache.
exec 9>"$CACHE/.lock"
if ! flock -n 9; then
  log "another build.sh holds $CACHE/.lock; waiting"
  flock 9
fi

T_ALL="$(now)"
t="$(now)"
"$REPO_ROOT/scripts/toolchain/docker-engine.sh" | sed 's/^/[images] /'
[ "${PIPESTATUS[0]}" = 0 ] || die "no Docker engine"
log "docker engine ready ($(elapsed "$t"))"

# ---------------------------------------------------------------- debian
ARCH="$(dpkg --print-architecture 2>/dev/null || echo amd64)"

build_debian() {
  local t; t="$(now)"
  local mirrors main sec
  mirrors="$(detect_mirrors)" || die "no Debian mirror found in /etc/apt/sources.list* (set ZKPD_DEBIAN_MIRROR)"
  main="${mirrors%% *}"; sec="${mirrors#* }"
  local novalid=0
  local aptconf; aptconf="$(apt-config dump 2>/dev/null || true)"
  if grep -qi 'Acquire::Check-Valid-Until "false"' <<<"$aptconf"; then novalid=1; fi

  local tarball="$CACHE/rootfs/$SUITE-minbase-$ARCH.tar"
  local recipe
  recipe="$(hash_str "rev=$RECIPE_REV" "suite=$SUITE" "variant=minbase" "arch=$ARCH" \
            "mirror=$main" "security=$sec" "novalid=$novalid")"

  if [ "$REFRESH" = 1 ]; then rm -f "$tarball" "$tarball.meta"; fi
  if [ -f "$tarball" ] && [ -f "$tarball.meta" ] && [ "$(sed -n 1p "$tarball.meta")" = "$recipe" ]; then
    :
  else
    need_cmd debootstrap debootstrap
    local work="$CACHE/rootfs/work.$$"
    remove_tree "$work"
    mkdir -p "$work"
    local why="no cached rootfs tarball"
    [ "$REFRESH" = 1 ] && why="--refresh"
    [ -f "$tarball.meta" ] && why="rootfs recipe changed"
    log "debian: debootstrap --variant=minbase $SUITE ($ARCH) from $main ($why)"
    # shellcheck disable=SC2064
    trap "remove_tree '$work'" EXIT
    run_logged debootstrap debootstrap --variant=minbase --arch="$ARCH" "$SUITE" "$work/rootfs" "$main" \
      || die "debootstrap failed"
    local r="$work/rootfs"
    # apt sources: the same mirror, plus updates and security suites.
    rm -f "$r/etc/apt/sources.list"
    {
      printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$main" "$SUITE" "$SUITE"
      if [ "$sec" != "-" ]; then
        printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
          "$sec" "$SUITE"
      fi
    } >"$r/etc/apt/sources.list.d/debian.sources"
    # Mirrors serving an archive snapshot have expired Release files; follow
    # this machine's apt setting in that case.
    if [ "$novalid" = 1 ]; then
      printf 'Acquire::Check-Valid-Until "false";\n' >"$r/etc/apt/apt.conf.d/99zkpd-check-valid-until"
    fi
    printf 'Acquire::Languages "none";\n' >"$r/etc/apt/apt.conf.d/99zkpd-no-languages"
    # Drop host specifics and caches.
    : >"$r/etc/resolv.conf"
    echo localhost >"$r/etc/hostname"
    printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$r/etc/hosts"
    rm -f "$r/etc/machine-id" "$r/var/lib/dbus/machine-id"
    rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/cache/apt/*.bin "$r"/var/lib/apt/lists/* \
           "$r"/var/log/* "$r"/tmp/* "$r"/var/tmp/*
    tar --numeric-owner -C "$r" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    { echo "$recipe"; sha256sum "$tarball" | cut -d' ' -f1; } >"$tarball.meta"
    remove_tree "$work"
    trap - EXIT
    log "debian: rootfs tarball cached ($(du -h "$tarball" | cut -f1), $(elapsed "$t"))"
  fi

  local hash
  hash="$(hash_str "$recipe" "tar=$(sed -n 2p "$tarball.meta")")"
  if up_to_date "$TAG_DEBIAN" "$hash"; then
    log "debian: $TAG_DEBIAN up to date ($(elapsed "$t"))"
    return
  fi
  local old; old="$(image_id "$TAG_DEBIAN")"
  run_logged debian-import docker import \
    --change 'CMD ["bash"]' \
    --change "LABEL zkpd.recipe=$hash" \
    --message "debootstrap --variant=minbase $SUITE" \
    "$tarball" "$TAG_DEBIAN" || die "docker import failed"
  drop_old_image "$old" "$TAG_DEBIAN"
  log "debian: imported $TAG_DEBIAN ($(elapsed "$t"))"
}

# ----------------------------------------------------------------- jre17
build_jre17() {
  local t; t="$(now)"
  local hash
  hash="$(hash_str "rev=$RECIPE_REV" "$(hash_tree "$SCRIPT_DIR/jre17")" "parent=$(image_id "$TAG_DEBIAN")")"
  if up_to_date "$TAG_JRE" "$hash"; then log "jre17: $TAG_JRE up to date ($(elapsed "$t"))"; return; fi
  log "jre17: building $TAG_JRE (apt-get in the build container)"
  docker_build jre17 "$TAG_JRE" "$hash" "$SCRIPT_DIR/jre17" --build-arg "BASE_IMAGE=$TAG_DEBIAN"
  log "jre17: built $TAG_JRE ($(elapsed "$t"))"
}

# ------------------------------------------------------------- zookeeper
zk_libs() { # resolve the jars of the binary distribution with Maven (cached)
  local libdir="$CACHE/zookeeper-$ZK_VERSION/lib"
  local stamp="$CACHE/zookeeper-$ZK_VERSION/lib.recipe"
  local want
  want="$(hash_str "$ZK_VERSION" "$(sha256sum <"$SCRIPT_DIR/zookeeper/pom.xml.in")")"
  if [ -d "$libdir" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  need_cmd mvn maven
  local t tmp; t="$(now)"
  tmp="$(mktemp -d "$CACHE/zookeeper-mvn.XXXXXX")"
  sed "s/@ZK_VERSION@/$ZK_VERSION/g" "$SCRIPT_DIR/zookeeper/pom.xml.in" >"$tmp/pom.xml"
  log "zookeeper: resolving ZooKeeper $ZK_VERSION jars with Maven"
  (cd "$tmp" && run_logged maven mvn -B -q dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp/lib") || { rm -rf "$tmp"; die "Maven dependency resolution failed"; }
  [ -f "$tmp/lib/zookeeper-$ZK_VERSION.jar" ] || { rm -rf "$tmp"; die "Maven did not produce zookeeper-$ZK_VERSION.jar"; }
  rm -rf "$libdir"
  mkdir -p "$(dirname "$libdir")"
  mv "$tmp/lib" "$libdir"
  rm -rf "$tmp"
  echo "$want" >"$stamp"
  log "zookeeper: $(find "$libdir" -name '*.jar' | wc -l) jars cached ($(elapsed "$t"))"
}

build_zookeeper() {
  local t; t="$(now)"
  zk_libs
  local libdir="$CACHE/zookeeper-$ZK_VERSION/lib"
  local hash
  hash="$(hash_str "rev=$RECIPE_REV" "zk=$ZK_VERSION" "$(hash_tree "$SCRIPT_DIR/zookeeper")" \
          "$(cd "$libdir" && ls -1)" "parent=$(image_id "$TAG_JRE")")"
  if up_to_date "$TAG_ZK" "$hash"; then log "zookeeper: $TAG_ZK up to date ($(elapsed "$t"))"; return; fi
  local ctx="$CACHE/ctx/zookeeper"
  rm -rf "$ctx"; mkdir -p "$ctx"
  cp -a "$SCRIPT_DIR/zookeeper/Dockerfile" "$SCRIPT_DIR/zookeeper/docker-entrypoint.sh" \
        "$SCRIPT_DIR/zookeeper/bin" "$SCRIPT_DIR/zookeeper/conf" "$ctx/"
  cp -a "$libdir" "$ctx/lib"
  chmod 0755 "$ctx/docker-entrypoint.sh" "$ctx"/bin/*.sh
  log "zookeeper: building $TAG_ZK"
  docker_build zookeeper "$TAG_ZK" "$hash" "$ctx" \
    --build-arg "BASE_IMAGE=$TAG_JRE" --build-arg "ZK_VERSION=$ZK_VERSION"
  rm -rf "$ctx"
  log "zookeeper: built $TAG_ZK ($(elapsed "$t"))"
}

# ------------------------------------------------ prometheus / alertmanager
# Built as :latest, then also tagged with the upstream part of the Debian
# package version (e.g. 2.42.0+ds-5+deb12u1 -> 2.42.0; '+' is not allowed in
# a tag). The version is remembered per image id to keep warm runs cheap.
tag_with_pkg_version() { # <repo> <package>
  local repo="$1" pkg="$2" id vfile v
  id="$(image_id "$repo:latest")"
  vfile="$CACHE/versions/${id#sha256:}"
  if [ -f "$vfile" ]; then
    v="$(cat "$vfile")"
  else
    v="$(docker run --rm --entrypoint dpkg-query "$repo:latest" -W -f '${Version}' "$pkg")" \
      || die "cannot read the $pkg version from $repo:latest"
    echo "$v" >"$vfile"
  fi
  local tag
  tag="$(printf '%s' "$v" | sed -e 's/^[0-9]*://' -e 's/[+~-].*//')"
  docker tag "$repo:latest" "$repo:$tag"
  echo "$repo:$tag (Debian $pkg $v)"
}

build_debpkg_image() { # <name> <repo> <package>
  local name="$1" repo="$2" pkg="$3" t hash
  t="$(now)"
  hash="$(hash_str "rev=$RECIPE_REV" "$(hash_tree "$SCRIPT_DIR/$name")" "parent=$(image_id "$TAG_DEBIAN")")"
  if up_to_date "$repo:latest" "$hash"; then
    log "$name: $(tag_with_pkg_version "$repo" "$pkg") up to date ($(elapsed "$t"))"
    return
  fi
  log "$name: building $repo:latest (apt-get in the build container)"
  docker_build "$name" "$repo:latest" "$hash" "$SCRIPT_DIR/$name" --build-arg "BASE_IMAGE=$TAG_DEBIAN"
  local tagged; tagged="$(tag_with_pkg_version "$repo" "$pkg")"
  drop_old_image "$OLD_IMAGE_ID" "$repo:latest" # it kept its version tag until now
  log "$name: built $tagged ($(elapsed "$t"))"
}

# ------------------------------------------------------------------- node
build_node() {
  local t; t="$(now)"
  local bin="${ZKPD_NODE_BIN:-$(command -v node || true)}"
  if [ -z "$bin" ] || [ ! -x "$bin" ]; then die "no node binary on this machine (set ZKPD_NODE_BIN)"; fi
  bin="$(readlink -f "$bin")"
  local ver; ver="$("$bin" --version)"; ver="${ver#v}"
  [ "${ver%%.*}" = "$NODE_MAJOR" ] || die "host node is $ver, $TAG_NODE needs Node $NODE_MAJOR (set ZKPD_NODE_BIN)"
  # Hash of the 100 MB binary, remembered per (path, size, mtime).
  local key sumfile sum
  key="$(stat -c '%n %s %Y' "$bin")"
  sumfile="$CACHE/versions/node-binary.sha256"
  if [ -f "$sumfile" ] && [ "$(sed -n 1p "$sumfile")" = "$key" ]; then
    sum="$(sed -n 2p "$sumfile")"
  else
    sum="$(sha256sum "$bin" | cut -d' ' -f1)"
    printf '%s\n%s\n' "$key" "$sum" >"$sumfile"
  fi
  local hash
  hash="$(hash_str "rev=$RECIPE_REV" "$(hash_tree "$SCRIPT_DIR/node")" "node=$ver $sum" "parent=$(image_id "$TAG_DEBIAN")")"
  if up_to_date "$TAG_NODE" "$hash"; then log "node: $TAG_NODE (Node $ver) up to date ($(elapsed "$t"))"; return; fi
  # The binary must find its shared libraries in the bookworm rootfs.
  if command -v ldd >/dev/null 2>&1; then
    log "node: host binary $bin (v$ver) needs: $(ldd "$bin" | awk '/=>/ { print $1 }' | tr '\n' ' ')"
  fi
  local ctx="$CACHE/ctx/node"
  rm -rf "$ctx"; mkdir -p "$ctx"
  cp -a "$SCRIPT_DIR/node/Dockerfile" "$SCRIPT_DIR/node/docker-entrypoint.sh" "$ctx/"
  cp "$bin" "$ctx/node"
  chmod 0755 "$ctx/node" "$ctx/docker-entrypoint.sh"
  log "node: building $TAG_NODE"
  docker_build node "$TAG_NODE" "$hash" "$ctx" --build-arg "BASE_IMAGE=$TAG_DEBIAN" --build-arg "NODE_VERSION=$ver"
  rm -rf "$ctx"
  log "node: built $TAG_NODE (Node $ver) ($(elapsed "$t"))"
}

# -------------------------------------------------------------------- app
build_app() {
  local t; t="$(now)"
  local app="$REPO_ROOT/app"
  if [ ! -f "$app/Dockerfile" ]; then
    log "app: skipped, app/Dockerfile does not exist (yet)"
    return
  fi
  local inputs=()
  for f in Dockerfile .dockerignore package.json package-lock.json tsconfig.json tsconfig.build.json; do
    [ -f "$app/$f" ] && inputs+=("$f=$(sha256sum <"$app/$f")")
  done
  local hash
  hash="$(hash_str "rev=$RECIPE_REV" "${inputs[@]}" \
          "src=$( [ -d "$app/src" ] && hash_tree "$app/src" || echo none)" \
          "scripts=$( [ -d "$app/scripts" ] && hash_tree "$app/scripts" || echo none)" \
          "parent=$(image_id "$TAG_NODE")")"
  if up_to_date "$TAG_APP" "$hash"; then log "app: $TAG_APP up to date ($(elapsed "$t"))"; return; fi
  command -v npm >/dev/null 2>&1 || die "npm is needed on this machine to build app/"
  if [ ! -d "$app/node_modules" ] || [ "$app/package-lock.json" -nt "$app/node_modules/.package-lock.json" ]; then
    log "app: npm ci"
    (cd "$app" && run_logged app-npm-ci npm ci --no-audit --no-fund) || die "npm ci in app/ failed"
  fi
  log "app: npm run build"
  (cd "$app" && run_logged app-npm-build npm run build) || die "npm run build in app/ failed"
  # The app may assemble its docker build context with an npm "stage" script.
  if (cd "$app" && node -e 'process.exit(((require("./package.json").scripts) || {}).stage ? 0 : 1)'); then
    log "app: npm run stage"
    (cd "$app" && run_logged app-npm-stage npm run stage) || die "npm run stage in app/ failed"
  fi
  log "app: building $TAG_APP"
  docker_build app "$TAG_APP" "$hash" "$app" --build-arg "BASE_IMAGE=$TAG_NODE"
  log "app: built $TAG_APP ($(elapsed "$t"))"
}

# ------------------------------------------------------------------- main
built=()
for n in "${ALL_IMAGES[@]}"; do
  [ -n "${WANT[$n]:-}" ] || continue
  case "$n" in
    debian) build_debian; built+=("$TAG_DEBIAN") ;;
    jre17) build_jre17; built+=("$TAG_JRE") ;;
    zookeeper) build_zookeeper; built+=("$TAG_ZK") ;;
    prometheus) build_debpkg_image prometheus "$TAG_PROM" prometheus; built+=("$TAG_PROM") ;;
    alertmanager) build_debpkg_image alertmanager "$TAG_AM" prometheus-alertmanager; built+=("$TAG_AM") ;;
    node) build_node; built+=("$TAG_NODE") ;;
    app) build_app; [ -f "$REPO_ROOT/app/Dockerfile" ] && built+=("$TAG_APP") ;;
  esac
done

log "done in $(elapsed "$T_ALL")"
for ref in "${built[@]}"; do
  docker image ls --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' "$ref"
done | sort -u | sed 's/^/[images]   /'
