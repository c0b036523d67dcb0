#!/bin/sh
# Takes docs/book/src/images/report.png, the picture of report.html in the README, from a real run:
#
#   1. a clean run against the embedded reference server, kept as the baseline;
#   2. a run with five faults switched on in that server, compared with the baseline
#      (it exits 1: cases fail, as intended);
#   3. a headless Chromium screenshot of the second run's report.html.
#
# Run it from anywhere: sh docs/screenshot.sh. Reports go to $OUT/r1 and $OUT/r2 (OUT defaults to
# /tmp). Needs Chromium (Debian: apt-get install chromium); CI does not run this script.
set -eu

cd "$(dirname "$0")/.."
out=${OUT:-/tmp}
bin=./target/release/restart-conformance

cargo build --release
rm -rf "$out/r1" "$out/r2"

"$bin" run --report-dir "$out/r1" >/dev/null

status=0
"$bin" run \
    --fault ddm-missing-job-id \
    --fault accept-bad-enum \
    --fault ha-never-active \
    --fault clouddb-body-on-202 \
    --fault ecs-concurrent-accepted \
    --lifecycle-timeout 2 \
    --report-dir "$out/r2" \
    --baseline "$out/r1/report.json" >/dev/null || status=$?
if [ "$status" -ne 1 ]; then
    echo "expected the faulty run to exit 1, got $status" >&2
    exit 1
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --hide-scrollbars --window-size=1400,1000 \
    --screenshot=docs/book/src/images/report.png "file://$out/r2/report.html"
echo "wrote docs/book/src/images/report.png from $out/r2/report.html"
