#!/usr/bin/env bash
# Installs the external tools nexus-bot needs (Temporal CLI, tctl, the Java time-skipping test
# server, moto, ssv-dkg, anvil, the Lodestar beacon node) into a per-user cache outside the clone, pinned and idempotent:
# a tool whose stamp matches its pinned version is skipped, so a second run takes seconds.
# Chromium (for the Web UI test) and systemd-analyze (for the service unit test) are the system
# packages: Debian's, skipped when installed.
# Usage: tools/install.sh [tool...]      (no argument: all tools)
# Prints the cache root's bin folder on the last line.
set -euo pipefail

ROOT="${NEXUS_BOT_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/nexus-bot/tools}"
BIN="$ROOT/bin"
mkdir -p "$BIN"

# Pinned versions: the only place they are written down.
TEMPORAL_CLI_VERSION=v1.5.1
# v1.18.4 is refused by the Go module proxy reachable here (403); v1.18.0 is the newest it serves.
TCTL_VERSION=v1.18.0
TEST_SERVER_VERSION=1.38.0
MOTO_VERSION=5.2.5
SSV_DKG_COMMIT=653210cbfddeaf05ff514e084c5a1ab18469b7d1
# One version string baked into every ssv-dkg binary: operators reject an initiator that differs.
SSV_DKG_VERSION=v3.1.0-653210c
ANVIL_VERSION=1.7.1
# The newest Lodestar whose whole dependency tree the registry here serves (1.44 lacks
# @chainsafe/snappy-wasm and several @lodestar/* packages); its dev chain is phase0.
LODESTAR_VERSION=1.5.1

log() { printf '[tools] %s\n' "$*" >&2; }

# run TOOL CMD...: runs CMD, logging into the tool's folder; on failure prints one message naming
# the tool and the command, followed by the tail of its output.
run() {
  local tool="$1"; shift
  local logfile="$ROOT/$tool.install.log"
  if ! "$@" >"$logfile" 2>&1; then
    printf 'nexus-bot tools: installing %s failed: command `%s` exited non-zero (log: %s)\n' \
      "$tool" "$*" "$logfile" >&2
    tail -n 15 "$logfile" | sed 's/^/    /' >&2
    exit 1
  fi
}

need() { # need COMMAND TOOL: a prerequisite the machine itself must provide
  command -v "$1" >/dev/null 2>&1 || {
    printf 'nexus-bot tools: installing %s needs `%s` on PATH, which is missing\n' "$2" "$1" >&2; exit 1; }
}

# installed NAME VERSION: true when NAME is already installed at VERSION.
installed() { [ "$(cat "$ROOT/$1.version" 2>/dev/null)" = "$2" ] && [ -x "$BIN/$1" ]; }
stamp() { printf '%s' "$2" > "$ROOT/$1.version"; }

install_temporal() {
  installed temporal "$TEMPORAL_CLI_VERSION" && return
  need go temporal; log "temporal $TEMPORAL_CLI_VERSION (go install, a few minutes the first time)"
  run temporal env GOBIN="$BIN" CGO_ENABLED=0 go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
  stamp temporal "$TEMPORAL_CLI_VERSION"
}

install_tctl() {
  installed tctl "$TCTL_VERSION" && return
  need go tctl; log "tctl $TCTL_VERSION (go mod download + go build)"
  # Not `go install pkg@version`: that also reads the module's version list for deprecations,
  # which the proxy here refuses (403). Download the one version and build inside it instead.
  run tctl go mod download "github.com/temporalio/tctl@$TCTL_VERSION"
  local src; src="$(go env GOMODCACHE)/github.com/temporalio/tctl@$TCTL_VERSION"
  run tctl env -C "$src" CGO_ENABLED=0 go build -o "$BIN/tctl" ./cmd/tctl
  stamp tctl "$TCTL_VERSION"
}

install_ssv_dkg() {
  installed ssv-dkg "$SSV_DKG_VERSION" && return
  need go ssv-dkg; need gcc ssv-dkg; log "ssv-dkg $SSV_DKG_VERSION (go install with cgo)"
  run ssv-dkg env GOBIN="$BIN" CGO_ENABLED=1 go install -ldflags "-X main.Version=$SSV_DKG_VERSION" \
    "github.com/ssvlabs/ssv-dkg/cmd/ssv-dkg@$SSV_DKG_COMMIT"
  stamp ssv-dkg "$SSV_DKG_VERSION"
}

install_test_server() {
  local name=temporal-test-server dir="$ROOT/temporal-test-server-$TEST_SERVER_VERSION"
  installed "$name" "$TEST_SERVER_VERSION" && return
  need mvn "$name"; need java "$name"; log "$name $TEST_SERVER_VERSION (Maven Central)"
  mkdir -p "$dir"
  cat > "$dir/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>network.nexus.bot</groupId><artifactId>test-server-deps</artifactId><version>1</version>
  <dependencies><dependency>
    <groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId>
    <version>$TEST_SERVER_VERSION</version>
  </dependency></dependencies>
</project>
POM
  rm -rf "$dir/jars"
  run "$name" mvn -q -B -f "$dir/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$dir/jars"
  # exec, so that the SDK's SIGKILL of this PID stops the JVM itself.
  printf '#!/bin/sh\nexec java -cp %s io.temporal.testserver.TestServer "$@"\n' "'$dir/jars/*'" > "$BIN/$name"
  chmod +x "$BIN/$name"
  stamp "$name" "$TEST_SERVER_VERSION"
}

install_moto() {
  local dir="$ROOT/moto-$MOTO_VERSION"
  installed moto_server "$MOTO_VERSION" && return
  need python3 moto; log "moto[server] $MOTO_VERSION (PyPI, own virtualenv)"
  rm -rf "$dir"
  run moto python3 -m venv "$dir"
  run moto "$dir/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  ln -sf "$dir/bin/moto_server" "$BIN/moto_server"
  stamp moto_server "$MOTO_VERSION"
}

install_anvil() {
  local dir="$ROOT/anvil-$ANVIL_VERSION"
  installed anvil "$ANVIL_VERSION" && return
  need npm anvil; log "anvil $ANVIL_VERSION (npm)"
  mkdir -p "$dir"
  run anvil npm install --prefix "$dir" --no-save --no-audit --no-fund "@foundry-rs/anvil@$ANVIL_VERSION"
  # The native binary itself, not the Node wrapper: starts faster and stops by its own PID.
  ln -sf "$dir/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil" "$BIN/anvil"
  stamp anvil "$ANVIL_VERSION"
}

# Lodestar as its own npm project (not a dependency of the bot: it needs old @lodestar/* 1.5.1
# packages next to the bot's 1.46.0 ones, plus native builds). The exact pin and the overrides
# stop caret ranges from drifting to versions that cannot be installed here (1.44.0) or that die
# at start ("no valid addresses were provided for transports" with newer @libp2p/tcp and mafmt).
install_lodestar() {
  local dir="$ROOT/lodestar-$LODESTAR_VERSION"
  local v="$LODESTAR_VERSION"
  local package_json polyfill
  package_json=$(cat <<JSON
{
  "name": "nexus-bot-lodestar",
  "private": true,
  "description": "Lodestar $v beacon node for the nexus-bot local network (written by tools/install.sh)",
  "dependencies": { "@chainsafe/lodestar": "$v" },
  "overrides": {
    "@lodestar/api": "$v", "@lodestar/beacon-node": "$v", "@lodestar/config": "$v", "@lodestar/db": "$v",
    "@lodestar/fork-choice": "$v", "@lodestar/light-client": "$v", "@lodestar/params": "$v",
    "@lodestar/state-transition": "$v", "@lodestar/types": "$v", "@lodestar/utils": "$v",
    "@lodestar/validator": "$v", "@lodestar/reqresp": "$v",
    "@libp2p/tcp": "6.1.0", "@multiformats/mafmt": "11.0.3"
  }
}
JSON
)
  # Node 20 has no Promise.withResolvers, which the newer it-queue/mortice under libp2p call.
  polyfill=$(cat <<'JS'
// Loaded with --require before Lodestar: Node 20 lacks Promise.withResolvers (added in Node 22).
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve, reject;
    const promise = new this((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
  };
}
JS
)
  # The stamp carries a hash of what is written here, so changing a pin or the polyfill reinstalls.
  local want; want="$v $(printf '%s\n%s' "$package_json" "$polyfill" | sha256sum | cut -c1-16)"
  installed lodestar "$want" && [ -d "$ROOT/lodestar/node_modules" ] && return
  need npm lodestar; log "lodestar $v (npm, with native builds: about 2 minutes the first time)"
  mkdir -p "$dir"
  # npm keeps earlier versions when overrides change, so every install starts from nothing.
  rm -rf "$dir/node_modules" "$dir/package-lock.json"
  printf '%s\n' "$package_json" > "$dir/package.json"
  printf '%s\n' "$polyfill" > "$dir/polyfill.cjs"
  run lodestar npm install --prefix "$dir" --no-audit --no-fund
  local main="$dir/node_modules/@chainsafe/lodestar/lib/index.js"
  [ -f "$main" ] || { printf 'nexus-bot tools: installing lodestar failed: %s is missing after npm install\n' "$main" >&2; exit 1; }
  # exec, so that the PID the launcher stops is node itself; NODE_OPTIONS also reaches workers.
  printf '#!/bin/sh\nNODE_OPTIONS="--require \\"%s\\" ${NODE_OPTIONS:-}" exec node "%s" "$@"\n' "$dir/polyfill.cjs" "$main" > "$BIN/lodestar"
  chmod +x "$BIN/lodestar"
  # A version-free name for the folder: scripts that must run with Lodestar's own packages (the
  # local network's genesis builder) are placed under it (tools/paths.ts lodestarHome()).
  ln -sfn "$dir" "$ROOT/lodestar"
  stamp lodestar "$want"
}

# apt_install TOOL PACKAGE PATH: Debian's PACKAGE, system-wide, for the system packages below;
# skipped when PATH is there. Needs root or sudo. `apt-get update` only when the package lists lack
# it (a fresh container has none); any other failure is reported as it is.
apt_install() {
  local tool="$1" package="$2" path="$3"
  [ -x "$path" ] && return
  need apt-get "$tool"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then need sudo "$tool"; sudo=sudo; fi
  log "$tool (apt-get, Debian package $package; needs root or sudo)"
  local logfile="$ROOT/$tool.install.log"
  local install="${sudo:+$sudo }env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $package"
  if ! $install >"$logfile" 2>&1; then
    if grep -qE 'Unable to locate package|has no installation candidate|404 +Not Found' "$logfile"; then
      run "$tool" $sudo apt-get update
      run "$tool" $install
    else
      printf 'nexus-bot tools: installing %s failed: command `%s` exited non-zero (log: %s)\n' "$tool" "$install" "$logfile" >&2
      tail -n 15 "$logfile" | sed 's/^/    /' >&2
      exit 1
    fi
  fi
  [ -x "$path" ] || { printf 'nexus-bot tools: installing %s failed: %s is missing after apt-get install %s\n' "$tool" "$path" "$package" >&2; exit 1; }
}

# Chromium drives the Web UI test (through playwright-core, which never downloads a browser of its
# own). Debian's package, not the cache: it brings the system libraries a browser needs. Not
# pinned: the distribution's security updates move it, and the test only needs a recent one.
install_chromium() { apt_install chromium chromium /usr/bin/chromium; }

# systemd-analyze checks deploy/systemd/nexus-bot.service (`systemd-analyze verify`, in the tests).
# Debian's `systemd` package; only the tool is used, nothing is started or enabled.
install_systemd_analyze() { apt_install systemd-analyze systemd /usr/bin/systemd-analyze; }

tools=("$@")
# ssv-dkg is not in the default set: the Go module proxy reachable here refuses the module
# (403 "This module version is not available." for every version of github.com/ssvlabs/ssv-dkg
# and of its dependencies), so it cannot be built on this machine yet. `tools/install.sh ssv-dkg`
# still tries, for machines whose proxy serves it.
[ ${#tools[@]} -gt 0 ] || tools=(anvil moto test-server temporal tctl lodestar chromium systemd-analyze)
for t in "${tools[@]}"; do
  case "$t" in
    temporal) install_temporal ;;
    tctl) install_tctl ;;
    ssv-dkg) install_ssv_dkg ;;
    test-server) install_test_server ;;
    moto) install_moto ;;
    anvil) install_anvil ;;
    lodestar) install_lodestar ;;
    chromium) install_chromium ;;
    systemd-analyze) install_systemd_analyze ;;
    *) printf 'nexus-bot tools: unknown tool "%s" (known: temporal tctl ssv-dkg test-server moto anvil lodestar chromium systemd-analyze)\n' "$t" >&2; exit 2 ;;
  esac
done
echo "$BIN"
