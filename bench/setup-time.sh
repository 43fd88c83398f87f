#!/usr/bin/env bash
# Times the set-up (scripts/lib.sh's setup_all) in a fresh clone of this repository:
#   1. a fresh clone with the tool cache as it is (~/.cache/sitewarden, or $SITEWARDEN_TOOLS):
#      cold for the clone (npm ci, prisma generate), warm for Node 24 and the Temporal CLI;
#   2. the same clone again: everything warm;
#   3. with --cold, another fresh clone with SITEWARDEN_TOOLS and GOCACHE pointing at empty temp
#      dirs: also fetches Node 24 and builds the Temporal CLI with go install (2+ minutes).
# The clone holds committed files only. npm's cache (~/.npm) and Go's module cache stay as they
# are in every case, so "cold" means cold for this project, not a machine without any cache.
#
#   bench/setup-time.sh [--cold]
set -euo pipefail

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
COLD=false
case "${1:-}" in
  '') ;;
  --cold) COLD=true ;;
  *) echo "usage: $0 [--cold]" >&2; exit 2 ;;
esac

if ! git -C "$SRC" rev-parse -q --verify HEAD >/dev/null; then
  echo "$SRC has no commits yet: a clone of it would be empty, so there is no set-up to time" >&2
  exit 1
fi

SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT

# A new shell's environment: no TEMPORAL_CLI, and no tool cache on PATH (lib.sh puts Node 24 there).
TOOLS_NOW="${SITEWARDEN_TOOLS:-$HOME/.cache/sitewarden}"
CLEAN_PATH="$(tr ':' '\n' <<<"$PATH" | grep -v -F "$TOOLS_NOW" | paste -sd: -)"

# time_setup LABEL CLONE [VAR=value...]: runs setup_all in CLONE, prints the seconds and what it did.
time_setup() {
  local label="$1" clone="$2" log="$SCRATCH/setup.log"
  shift 2
  local start end
  start="$(date +%s%N)"
  if ! (cd "$clone" && env -u TEMPORAL_CLI PATH="$CLEAN_PATH" "$@" bash -c 'source scripts/lib.sh; setup_all') >"$log" 2>&1; then
    echo "setup_all failed ($label); its output:" >&2
    cat "$log" >&2
    exit 1
  fi
  end="$(date +%s%N)"
  local did
  did="$(sed -n 's/^.*\[setup\][^ ]* //p' "$log" | paste -sd';' - | sed 's/;/; /g')"
  printf '  %-56s %7s s   %s\n' "$label" "$(awk -v ns=$((end - start)) 'BEGIN { printf "%.1f", ns / 1e9 }')" "${did:-(nothing to do)}"
}

echo "setup_all in fresh clones of $SRC at $(git -C "$SRC" rev-parse --short HEAD) (committed files only)"

git clone -q "$SRC" "$SCRATCH/clone"
time_setup "fresh clone, warm tool cache ($TOOLS_NOW)" "$SCRATCH/clone"
time_setup "same clone again (warm)" "$SCRATCH/clone"

if $COLD; then
  git clone -q "$SRC" "$SCRATCH/cold"
  mkdir "$SCRATCH/tools" "$SCRATCH/gocache"
  time_setup "fresh clone, empty SITEWARDEN_TOOLS and GOCACHE" "$SCRATCH/cold" \
    SITEWARDEN_TOOLS="$SCRATCH/tools" GOCACHE="$SCRATCH/gocache"
else
  echo "  fully cold (empty tool cache): skipped, pass --cold (fetches Node 24, builds the Temporal CLI: 2+ minutes)"
fi
