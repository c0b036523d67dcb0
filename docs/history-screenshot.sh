#!/bin/sh
# Takes docs/book/src/images/history.png, the picture of history.html in the README, from real runs:
#
#   1. eight nightly runs against the embedded reference server, appended to one history file,
#      with faults switched on and off on different nights and slower restarts on two of them
#      (the faulty nights exit 1, as intended): a flaky DDM, a regression that stays, a new
#      failure on the last night;
#   2. `report history` over that file;
#   3. a headless Chromium screenshot of history.html.
#
# Run it from anywhere: sh docs/history-screenshot.sh. Files go to $OUT/history (OUT defaults
# to /tmp). Needs Chromium (Debian: apt-get install chromium); CI does not run this script.
set -eu

cd "$(dirname "$0")/.."
out=${OUT:-/tmp}/history
bin=./target/release/restart-conformance

cargo build --release
rm -rf "$out"
mkdir -p "$out"

night() {
    # Start times have whole seconds: one second apart, each night is a run of its own.
    sleep 1
    "$bin" run -q --report-dir "$out/last" --history "$out/history.jsonl" \
        --metrics "$out/conformance.prom" --lifecycle-timeout 2 "$@" >/dev/null || true
}

night
night --fault ddm-missing-job-id
night
night --fault accept-bad-enum --reboot-seconds 0.8
night --fault accept-bad-enum --reboot-seconds 0.8
night --fault ddm-missing-job-id --fault accept-bad-enum
night --fault ha-never-active --fault accept-bad-enum
night --fault accept-bad-enum --fault modelarts-wrong-type

"$bin" report history "$out/history.jsonl" --report-dir "$out"

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --hide-scrollbars --window-size=1400,1500 \
    --screenshot=docs/book/src/images/history.png "file://$out/history.html"
echo "wrote docs/book/src/images/history.png from $out/history.html"
