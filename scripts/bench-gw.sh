#!/usr/bin/env bash
# make bench-gw: SIPp against sipgw with the built-in simulator, on loopback.
#
#  1. Stepped rates (RATES, each held STEP_SECS, default 60 s): the highest
#     rate with zero failed calls through SIP → ISUP → simulator, and the
#     same steps SIPp UAC → SIPp UAS directly (the load tool's own ceiling).
#  2. At LAT_RATE (default 500 cps, LAT_SECS 30 s): p50/p99 of INVITE→180
#     and INVITE→200 through the gateway and directly (SIPp's per-call
#     response times, -trace_rtt); the difference is what the gateway adds.
#  3. Memory: SOAK_SECS (default 300 s) at SOAK_RATE (500 cps), the
#     gateway's RSS sampled every 10 s; flat when no sample after the first
#     minute (sipgo keeps finished transactions 32 s) exceeds the first
#     sample after it by more than 10 %.
#
# Prints the figures and PASS/FAIL against the targets (≥ 1,000 cps, p99
# added ≤ 10 ms, memory flat), also into $BENCH_DIR/report.txt. A script,
# not a test: about 20 minutes with the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
GO=${GO:-go}
OUT=${BENCH_DIR:-/tmp/sipgw-bench}
RATES=${RATES:-"500 750 1000 1250 1500"}
STEP_SECS=${STEP_SECS:-60}
LAT_RATE=${LAT_RATE:-500}
LAT_SECS=${LAT_SECS:-30}
SOAK_RATE=${SOAK_RATE:-500}
SOAK_SECS=${SOAK_SECS:-300}
GWPORT=${GWPORT:-5190}
UASPORT=$((GWPORT + 2))
UACPORT=$((GWPORT + 4))
SC="$root/test/sipp/scenarios"

command -v sipp >/dev/null || { echo "bench-gw: sipp is missing (scripts/deps.sh installs sip-tester)" >&2; exit 1; }
mkdir -p "$OUT"
rm -f "$OUT"/*.csv "$OUT"/*.log "$OUT"/report.txt
"$GO" build -o bin/sipgw ./cmd/sipgw
report() { echo "$*" | tee -a "$OUT/report.txt"; }

cat >"$OUT/bench.yaml" <<EOF
sip: {udp: "127.0.0.1:$GWPORT"}
sip_trunks:
  - name: load
    acl: [127.0.0.0/8]
sigtran:
  - name: gw
    point_code: 1-1-1
    associations: [{name: exchange, transport: mem, remote: "exchange:2905"}]
isup_trunks: [{name: pstn, sigtran: gw, peer_pc: 1-1-2, cics: 1-4000, strategy: round-robin}]
routes: [{prefix: "", from: load, to: [pstn]}]
simulator: {trunk: pstn}
log: {level: warn}
EOF

gwpid=""
uaspid=""
cleanup() {
	[ -n "$gwpid" ] && kill "$gwpid" 2>/dev/null || true
	[ -n "$uaspid" ] && kill "$uaspid" 2>/dev/null || true
	wait 2>/dev/null || true
}
trap cleanup EXIT

start_gw() {
	"$root/bin/sipgw" -c "$OUT/bench.yaml" 2>>"$OUT/sipgw.log" &
	gwpid=$!
	sleep 2
	kill -0 "$gwpid" || { echo "bench-gw: sipgw did not start:" >&2; cat "$OUT/sipgw.log" >&2; exit 1; }
}
stop_gw() {
	kill "$gwpid" 2>/dev/null || true
	wait "$gwpid" 2>/dev/null || true
	gwpid=""
}
start_uas() {
	(cd "$OUT" && exec sipp -sn uas -i 127.0.0.1 -p "$UASPORT" -nostdin -buff_size 4194304 >"$OUT/uas.out" 2>&1) &
	uaspid=$!
	sleep 1
}

# uac TARGET RATE SECS SCENARIO TAG: runs SIPp; prints "successful failed".
uac() {
	local target=$1 rate=$2 secs=$3 scen=$4 tag=$5
	(cd "$OUT" && sipp "$target" -sf "$SC/$scen" -s 2001000 -r "$rate" -m $((rate * secs)) -i 127.0.0.1 -p "$UACPORT" \
		-nostdin -buff_size 4194304 -timeout $((secs + 60))s -trace_rtt -rtt_freq 100 \
		-trace_err -error_file "$OUT/$tag.errors" >"$OUT/$tag.out" 2>&1) || true
	mv "$OUT"/"${scen%.xml}"_*_rtt.csv "$OUT/$tag.rtt.csv" 2>/dev/null || true
	local ok fail
	ok=$(grep -E '^ +Successful call' "$OUT/$tag.out" | awk -F'|' '{gsub(/ /,"",$3); print $3}' | tail -1)
	fail=$(grep -E '^ +Failed call' "$OUT/$tag.out" | awk -F'|' '{gsub(/ /,"",$3); print $3}' | tail -1)
	echo "${ok:-0} ${fail:-0}"
	if [ "${fail:-0}" != 0 ]; then
		# Why, for the report: SIPp's first complaints.
		grep -E 'Aborting|unexpected|Unexpected' "$OUT/$tag.errors" 2>/dev/null | cut -c1-160 | head -3 | sed 's/^/    /' >>"$OUT/report.txt" || true
	fi
}

# pct FILE P: the P-th percentile (ms) of SIPp's response times.
pct() {
	grep -v '^Date' "$1" | awk -F';' '{print $2}' | sort -n | awk -v p="$2" '{a[NR]=$1} END {if (NR==0) {print "nan"; exit} i=int(NR*p/100+0.999); if (i<1) i=1; printf "%.3f", a[i]}'
}

report "make bench-gw — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
report "sipgw $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'), SIPp $(sipp -v 2>/dev/null | grep -o 'v[0-9.]*' | head -1)"

# 1. Stepped rates.
start_uas
start_gw
best_gw=0
best_direct=0
for r in $RATES; do
	read -r ok fail < <(uac "127.0.0.1:$GWPORT" "$r" "$STEP_SECS" bench_uac_200.xml "gw-$r")
	report "step $r cps × ${STEP_SECS}s through sipgw: $ok successful, $fail failed"
	if [ "$fail" != 0 ] || [ "$ok" = 0 ]; then break; fi
	best_gw=$r
	sleep 5
done
for r in $RATES; do
	read -r ok fail < <(uac "127.0.0.1:$UASPORT" "$r" "$STEP_SECS" bench_uac_200.xml "direct-$r")
	report "step $r cps × ${STEP_SECS}s SIPp → SIPp:   $ok successful, $fail failed"
	if [ "$fail" != 0 ] || [ "$ok" = 0 ]; then break; fi
	best_direct=$r
done

# 2. Latency at LAT_RATE.
declare -A p
for kind in 180 200; do
	uac "127.0.0.1:$GWPORT" "$LAT_RATE" "$LAT_SECS" "bench_uac_$kind.xml" "lat-gw-$kind" >/dev/null
	uac "127.0.0.1:$UASPORT" "$LAT_RATE" "$LAT_SECS" "bench_uac_$kind.xml" "lat-direct-$kind" >/dev/null
	for q in 50 99; do
		p[gw-$kind-$q]=$(pct "$OUT/lat-gw-$kind.rtt.csv" $q)
		p[direct-$kind-$q]=$(pct "$OUT/lat-direct-$kind.rtt.csv" $q)
		p[add-$kind-$q]=$(awk -v a="${p[gw-$kind-$q]}" -v b="${p[direct-$kind-$q]}" 'BEGIN {printf "%.3f", a-b}')
	done
	report "INVITE→$kind at $LAT_RATE cps: sipgw p50 ${p[gw-$kind-50]} ms p99 ${p[gw-$kind-99]} ms p99.9 $(pct "$OUT/lat-gw-$kind.rtt.csv" 99.9) ms max $(pct "$OUT/lat-gw-$kind.rtt.csv" 100) ms; direct p50 ${p[direct-$kind-50]} ms p99 ${p[direct-$kind-99]} ms p99.9 $(pct "$OUT/lat-direct-$kind.rtt.csv" 99.9) ms max $(pct "$OUT/lat-direct-$kind.rtt.csv" 100) ms; added p50 ${p[add-$kind-50]} ms p99 ${p[add-$kind-99]} ms (SIPp measures in whole milliseconds: 0 means under 1 ms)"
done
kill "$uaspid" 2>/dev/null || true
uaspid=""

# 3. Memory over the soak, on a fresh gateway.
stop_gw
start_gw
(uac "127.0.0.1:$GWPORT" "$SOAK_RATE" "$SOAK_SECS" bench_uac_200.xml soak >"$OUT/soak.result") &
soakpid=$!
samples=()
for ((t = 10; t <= SOAK_SECS; t += 10)); do
	sleep 10
	samples+=("$(ps -o rss= -p "$gwpid" | tr -d ' ')")
done
wait "$soakpid" || true
read -r sok sfail <"$OUT/soak.result"
report "soak $SOAK_RATE cps × ${SOAK_SECS}s: $sok successful, $sfail failed; RSS (KiB) every 10 s: ${samples[*]}"
flat=$(printf '%s\n' "${samples[@]}" | awk 'NR==6 {base=$1} NR>6 && $1>m {m=$1} END {if (!base) {print "unknown"; exit} g=(m-base)/base*100; printf "%s %.1f", (g<=10 ? "yes" : "no"), g}')
stop_gw
report "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

# Verdicts.
verdict() { if [ "$1" = 1 ]; then echo PASS; else echo FAIL; fi; }
report ""
report "$(verdict "$([ "$best_gw" -ge 1000 ] && echo 1)") highest rate held ${STEP_SECS}s with zero failed calls: $best_gw cps through sipgw (target ≥ 1000; SIPp → SIPp directly: $best_direct cps)"
ok99=$(awk -v a="${p[add-180-99]}" -v b="${p[add-200-99]}" 'BEGIN {print (a<=10 && b<=10) ? 1 : 0}')
report "$(verdict "$ok99") p99 added by the gateway: INVITE→180 ${p[add-180-99]} ms, INVITE→200 ${p[add-200-99]} ms (target ≤ 10 ms; p50 ${p[add-180-50]} / ${p[add-200-50]} ms)"
report "$(verdict "$([ "${flat%% *}" = yes ] && [ "$sfail" = 0 ] && echo 1)") memory flat over ${SOAK_SECS}s at $SOAK_RATE cps: growth after the first minute ${flat#* }% (target ≤ 10 %), $sfail failed calls"
