#!/usr/bin/env bash
# The terminal UI on make bench-sniff's 250k-call SIP capture: the time
# from nothing to the call list on the screen (the analysis included), and
# the time per keystroke of scrolling, paging, filtering, searching and
# sorting 250k calls, through the model and the tview views drawn into a
# tcell SimulationScreen. Go benchmarks (go test -bench), run once each.
#
#   BENCH_DIR   where the capture is (default /tmp/sipsniff-bench; made with
#               the project's generator when missing, as bench-sniff does)
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
BENCH_DIR=${BENCH_DIR:-/tmp/sipsniff-bench}
f=$BENCH_DIR/sip-large.pcap
if [ ! -f "$f" ]; then
	mkdir -p "$BENCH_DIR"
	echo "bench-ui: generating $f (250k SIP calls, about 1 GB)" >&2
	$GO run ./cmd/gencap sip -calls 250000 -seed 1 -o "$f"
fi
SIPSNIFF_BENCH_CAPTURE=$f $GO test -run '^$' -bench 'Open' -benchtime=1x -count=3 ./ui/
$GO test -run '^$' -bench 'Scroll250k|PageDown250k|FilterKeystroke250k|Search250k|Sort250k' -benchtime=1s ./ui/
