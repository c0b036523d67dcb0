#!/usr/bin/env bash
# The logic of the GitHub Action in action.yml, in one script so that it runs (and is
# tested) without GitHub. Inputs come from INPUT_* variables, as Docker and JavaScript
# actions get them: INPUT_TARGET, INPUT_CLOUD, INPUT_PROFILE, INPUT_FILTER, INPUT_STRICT,
# INPUT_PARTITION, INPUT_REPORT_DIR, INPUT_HISTORY, INPUT_ARGS, INPUT_VERSION.
#
#   github-action.sh locate    is the harness on PATH (of the asked version)? Writes
#                              `install` (true|false) and `cache-key` to $GITHUB_OUTPUT.
#   github-action.sh install   cargo install it: from crates.io when INPUT_VERSION is set,
#                              else from the action's own checkout ($GITHUB_ACTION_PATH).
#   github-action.sh run       run it; append summary.md to $GITHUB_STEP_SUMMARY; write
#                              passed, failed, skipped, warnings, exit-code, report-dir and
#                              artifact-name to $GITHUB_OUTPUT; exit as the harness did.
set -uo pipefail

BIN=restart-conformance

# GitHub sets both files; outside GitHub they default to nowhere.
GITHUB_OUTPUT=${GITHUB_OUTPUT:-/dev/null}
GITHUB_STEP_SUMMARY=${GITHUB_STEP_SUMMARY:-/dev/null}

die() {
  echo "::error::$*" >&2
  exit 2
}

output() {
  printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
}

# true for true/yes/1/on (any case), false for false/no/0/off or empty; anything else is
# a usage error, as the harness would treat a bad flag.
boolean() {
  case "$(printf '%s' "$2" | tr '[:upper:]' '[:lower:]')" in
    true | yes | 1 | on) echo true ;;
    false | no | 0 | off | '') echo false ;;
    *) die "input $1 must be true or false, not '$2'" ;;
  esac
}

# The version of the harness on PATH ("0.1.0"), or nothing.
installed_version() {
  command -v "$BIN" >/dev/null 2>&1 || return 0
  "$BIN" --version 2>/dev/null | awk '{ print $2 }'
}

cmd_locate() {
  local want=${INPUT_VERSION:-} have
  have=$(installed_version)
  if [ -n "$have" ] && { [ -z "$want" ] || [ "$have" = "$want" ]; }; then
    echo "using $BIN $have from $(command -v "$BIN")"
    output install false
  else
    output install true
  fi
  # The cache key names what the install would build: the version asked for, or the
  # action checkout's lock file. hashFiles() cannot read outside the workspace, so the
  # key is computed here.
  local source
  if [ -n "$want" ]; then
    source="crates-io-$want"
  else
    local lock=${GITHUB_ACTION_PATH:-.}/Cargo.lock
    [ -f "$lock" ] || die "no Cargo.lock in ${GITHUB_ACTION_PATH:-.} to build from"
    source="path-$(sha256sum "$lock" | cut -c1-16)"
  fi
  output cache-key "$BIN-${RUNNER_OS:-$(uname -s)}-${RUNNER_ARCH:-$(uname -m)}-$source"
}

cmd_install() {
  # Where cargo installs, and where a restored cache puts the binary back.
  PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
  local want=${INPUT_VERSION:-} have
  have=$(installed_version)
  # A cache hit brought the binary back: nothing to build.
  if [ -n "$have" ] && { [ -z "$want" ] || [ "$have" = "$want" ]; }; then
    echo "using $BIN $have from $(command -v "$BIN") (restored)"
  elif [ -n "$want" ]; then
    cargo install --locked --force "$BIN" --version "$want" || exit
  else
    cargo install --locked --force --path "${GITHUB_ACTION_PATH:-.}" || exit
  fi
  if [ -n "${GITHUB_PATH:-}" ]; then
    echo "${CARGO_HOME:-$HOME/.cargo}/bin" >>"$GITHUB_PATH"
  fi
}

# Reads report.json's summary counts as "passed failed skipped warnings", with python3
# (on every GitHub runner) or else jq.
summary_counts() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c '
import json, sys
s = json.load(open(sys.argv[1], encoding="utf-8"))["summary"]
print(*(int(s[k]) for k in ("passed", "failed", "skipped", "warnings")))
' "$1"
  elif command -v jq >/dev/null 2>&1; then
    jq -r '.summary | "\(.passed) \(.failed) \(.skipped) \(.warnings)"' "$1"
  else
    echo "::warning::neither python3 nor jq found: counts left empty" >&2
    return 1
  fi
}

cmd_run() {
  command -v "$BIN" >/dev/null 2>&1 || die "$BIN is not on PATH"
  local report_dir=${INPUT_REPORT_DIR:-reports}
  local strict
  strict=$(boolean strict "${INPUT_STRICT:-}") || exit
  local -a argv=(run --report-dir "$report_dir")
  [ -n "${INPUT_TARGET:-}" ] && argv+=(--target "$INPUT_TARGET")
  [ -n "${INPUT_CLOUD:-}" ] && argv+=(--cloud "$INPUT_CLOUD")
  # Profiles: several names, separated by spaces, commas or new lines.
  local -a profiles=()
  read -r -a profiles <<<"$(printf '%s' "${INPUT_PROFILE:-}" | tr ',\n' '  ')"
  local p
  for p in "${profiles[@]}"; do
    argv+=(--profile "$p")
  done
  [ "$strict" = true ] && argv+=(--strict)
  [ -n "${INPUT_PARTITION:-}" ] && argv+=(--partition "$INPUT_PARTITION")
  [ -n "${INPUT_HISTORY:-}" ] && argv+=(--history "$INPUT_HISTORY")
  # Anything else, split as a shell would split words (quotes kept together), but never
  # evaluated: xargs splits without expanding $(…) or variables.
  if [ -n "${INPUT_ARGS:-}" ]; then
    local words
    words=$(mktemp) || exit
    printf '%s\n' "$INPUT_ARGS" | xargs -r printf '%s\0' >"$words" ||
      { rm -f "$words"; die "input args cannot be split into words (an unmatched quote?): $INPUT_ARGS"; }
    local -a extra=()
    mapfile -d '' extra <"$words"
    rm -f "$words"
    argv+=("${extra[@]}")
  fi
  [ -n "${INPUT_FILTER:-}" ] && argv+=(-- "$INPUT_FILTER")

  echo "$BIN ${argv[*]}"
  "$BIN" "${argv[@]}"
  local code=$?

  # A partition gets an artifact name of its own: upload-artifact refuses a name twice.
  local artifact=restart-conformance-reports
  [ -n "${INPUT_PARTITION:-}" ] && artifact="$artifact-$(printf '%s' "$INPUT_PARTITION" | tr -c 'A-Za-z0-9_-' '-')"
  output exit-code "$code"
  output report-dir "$report_dir"
  output artifact-name "$artifact"

  # Only exit 0 and 1 come with reports: anything else (2: a usage or configuration
  # error, nothing sent) would leave an earlier run's files to be read as this run's.
  local report=$report_dir/report.json
  if [ "$code" -gt 1 ]; then
    printf '### restart-conformance exited %s before running\n\nNothing was sent; the step log says why.\n' \
      "$code" >>"$GITHUB_STEP_SUMMARY"
    exit "$code"
  fi
  if [ -f "$report" ]; then
    local passed failed skipped warnings
    if read -r passed failed skipped warnings < <(summary_counts "$report"); then
      output passed "$passed"
      output failed "$failed"
      output skipped "$skipped"
      output warnings "$warnings"
    fi
  fi
  if [ -f "$report_dir/summary.md" ]; then
    cat "$report_dir/summary.md" >>"$GITHUB_STEP_SUMMARY"
    echo >>"$GITHUB_STEP_SUMMARY"
  fi
  exit "$code"
}

case "${1:-run}" in
  locate) cmd_locate ;;
  install) cmd_install ;;
  run) cmd_run ;;
  *) die "usage: $0 [locate|install|run]" ;;
esac
