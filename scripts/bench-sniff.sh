#!/usr/bin/env bash
# make bench-sniff: generates SIP/UDP and SIP-I + ISUP-over-M3UA captures
# with the project's generator (bin/gencap), then runs sipsniff --stats,
# tshark and sngrep on each, side by side, and prints wall time, CPU time
# and peak RSS of each, the ratios and PASS/FAIL against the targets:
#   - sipsniff >= 20x faster than tshark (wall) on the 250k SIP and the
#     SIP-I captures;
#   - sipsniff peak RSS <= 1/8 of tshark's and <= 1.5 KB per call;
#   - 5x the calls costs sipsniff <= 5.5x the time;
#   - sipsniff uses both cores (CPU/wall > 1.2).
# Commands: bin/sipsniff -r F --stats; tshark -n -q -r F -z sip,stat (and
# -z isup_msg,tree on the SIP-I capture); sngrep -N -q -l LIMIT -I F -O
# /dev/null (sngrep 1.6.0 of Debian 12: -N no interface, -q quiet, and -l
# above the call count, since its default limit of 20000 dialogs would
# silently drop most calls).
# It is a report, not a test: it exits 0 even when a target fails.
#
# Environment:
#   BENCH_DIR          captures, logs and report.txt (default /tmp/sipsniff-bench);
#                      captures are kept and only regenerated when the
#                      generator binary or its parameters change
#   BENCH_CALLS_SMALL  calls of the small SIP capture (default 50000)
#   BENCH_CALLS_LARGE  calls of the large SIP capture (default 250000)
#   BENCH_CALLS_SIPI   calls of the SIP-I capture (default 50000)
#   BENCH_RUNS         runs of sipsniff and tshark per capture, taking
#                      turns, median kept (default 5; sngrep runs once)
#   GO                 go command (default go)
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
BENCH_DIR=${BENCH_DIR:-/tmp/sipsniff-bench}
SMALL=${BENCH_CALLS_SMALL:-50000}
LARGE=${BENCH_CALLS_LARGE:-250000}
SIPI=${BENCH_CALLS_SIPI:-50000}
RUNS=${BENCH_RUNS:-5}
GO=${GO:-go}
TIME=/usr/bin/time
mkdir -p "$BENCH_DIR" || exit 1
REPORT=$BENCH_DIR/report.txt

say() { printf '%s\n' "$*"; }

# install_deps installs tshark, sngrep and GNU time when missing (Debian 12).
install_deps() {
	local need=()
	command -v tshark >/dev/null 2>&1 || need+=(tshark)
	command -v sngrep >/dev/null 2>&1 || need+=(sngrep)
	[ -x "$TIME" ] || need+=(time)
	[ ${#need[@]} -eq 0 ] && return 0
	local sudo=""
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
			say "deps: missing ${need[*]} and not root: install them, or run as root; going on without them"
			return 0
		fi
	fi
	say "deps: installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root users may capture; answer no, non-interactively.
	echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections
	if ! $sudo apt-get update -qq || ! $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; then
		say "deps: installing ${need[*]} failed; going on with what is there"
	fi
}

# gen NAME KIND CALLS: makes $BENCH_DIR/NAME.pcap unless its stamp (the
# gencap binary's hash and the parameters) is unchanged.
gen() {
	local name=$1 kind=$2 calls=$3
	local f=$BENCH_DIR/$name.pcap stamp="$GENCAP_HASH $kind -calls $calls -seed 1"
	if [ -f "$f" ] && [ "$(cat "$f.stamp" 2>/dev/null)" = "$stamp" ]; then
		say "gencap: $name.pcap is up to date ($(calc %.0f "$(stat -c %s "$f") / 1e6") MB)"
		return 0
	fi
	rm -f "$f" "$f.stamp"
	local out
	if ! out=$(bin/gencap "$kind" -calls "$calls" -seed 1 -o "$f" 2>&1); then
		say "gencap $kind failed: $out"
		return 1
	fi
	say "gencap: $out"
	printf '%s\n' "$stamp" >"$f.stamp"
}

# measure LOG CMD...: runs CMD under GNU time with the capture in the page
# cache (the caller cats it first); sets M_WALL M_CPU M_RSS (KB) and M_RC.
# CMD's output goes to LOG.out and LOG.err.
measure() {
	local log=$1
	shift
	local tf=$BENCH_DIR/.time t0 t1
	t0=$(date +%s%N)
	"$TIME" -f '%e %U %S %M' -o "$tf" "$@" >"$log.out" 2>"$log.err" </dev/null
	M_RC=$?
	t1=$(date +%s%N)
	local wall user sys rss
	read -r wall user sys rss < <(tail -n 1 "$tf")
	# GNU time gives wall time in hundredths; the clock around it gives
	# the resolution a sub-second sipsniff run needs.
	M_WALL=$(calc %.3f "($t1 - $t0) / 1e9")
	M_CPU=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
	M_RSS=$rss
}

# Results, by "tool:capture".
declare -A WALL CPU RSS STATUS LOAD

# run_tools CAPTURE: runs sipsniff and tshark $RUNS times each, taking
# turns (sipsniff, tshark, sipsniff, …) so that both meet the same
# conditions as the shared VM's speed drifts, then sngrep once (it takes
# minutes). Each tool keeps the run of median wall time with its CPU time
# and the highest peak RSS of its runs. Run-to-run spread on this VM is
# about ±10 %; the medians are what the ratios use, for every tool alike.
declare -A CMDS RUNLIST MAXRSS
run_tools() {
	local name=$1 f=$BENCH_DIR/$1.pcap
	cat "$f" >/dev/null
	# The machine may be shared: the load before the runs tells how far
	# wall time can be trusted (CPU time is less affected).
	local load t i
	load=$(cut -d' ' -f1 /proc/loadavg)
	for t in sipsniff tshark sngrep; do
		RUNLIST[$t:$name]=""
		MAXRSS[$t:$name]=0
		LOAD[$t:$name]=$load
	done
	for ((i = 0; i < RUNS; i++)); do
		for t in sipsniff tshark; do
			[ -n "${CMDS[$t:$name]:-}" ] || continue
			[ "${STATUS[$t:$name]:-}" = failed ] && continue
			run_once "$t" "$name"
		done
	done
	[ -n "${CMDS[sngrep:$name]:-}" ] && run_once sngrep "$name"
	for t in sipsniff tshark sngrep; do
		[ -n "${CMDS[$t:$name]:-}" ] || continue
		[ "${STATUS[$t:$name]:-}" = failed ] && continue
		local runs walls med n
		runs=${RUNLIST[$t:$name]}
		n=$(printf '%s' "$runs" | grep -c .)
		walls=$(printf '%s' "$runs" | awk '{printf "%s ", $1}')
		med=$(printf '%s' "$runs" | sort -n | awk -v k=$(((n + 1) / 2)) 'NR == k')
		WALL[$t:$name]=${med% *}
		CPU[$t:$name]=${med#* }
		RSS[$t:$name]=${MAXRSS[$t:$name]}
		STATUS[$t:$name]=ok
		say "  $t: ${WALL[$t:$name]}s wall (median of $n: ${walls% }), ${CPU[$t:$name]}s CPU, $((RSS[$t:$name] / 1024)) MB (load average before: $load)"
	done
}

# run_once TOOL CAPTURE: one measured run of the tool's command.
run_once() {
	local tool=$1 name=$2 log=$BENCH_DIR/$2.$1
	# shellcheck disable=SC2086 # the command is stored as words
	measure "$log" ${CMDS[$tool:$name]}
	if [ "$M_RC" -ne 0 ]; then
		local why
		why=$(grep -v '^Running as user' "$log.err" | head -n 1)
		STATUS[$tool:$name]=failed
		STATUS_WHY[$tool:$name]="not available (exit $M_RC: ${why:-no message})"
		say "  $tool: not available (exit $M_RC: ${why:-no message}); see $log.err"
		return
	fi
	RUNLIST[$tool:$name]+="$M_WALL $M_CPU"$'\n'
	[ "$M_RSS" -gt "${MAXRSS[$tool:$name]}" ] && MAXRSS[$tool:$name]=$M_RSS
}
declare -A STATUS_WHY

have() { [ "${STATUS[$1]:-}" = ok ]; }

# calc FORMAT EXPR: awk arithmetic; EXPR is parenthesised so that a ">" in
# it compares instead of redirecting printf.
calc() { awk "BEGIN { printf \"$1\", ($2) }"; }

table() {
	local name=$1 calls=$2
	local f=$BENCH_DIR/$name.pcap
	say ""
	say "== $name.pcap: $calls calls, $(capinfos -c -M "$f" 2>/dev/null | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}') frames, $(calc %.0f "$(stat -c %s "$f") / 1e6") MB =="
	printf '%-10s %9s %9s %9s %13s %7s\n' tool "wall s" "CPU s" CPU/wall "peak RSS MiB" load
	local t
	for t in sipsniff tshark sngrep; do
		if have "$t:$name"; then
			printf '%-10s %9s %9s %9s %13s %7s\n' "$t" "${WALL[$t:$name]}" "${CPU[$t:$name]}" \
				"$(calc %.2f "${CPU[$t:$name]} / (${WALL[$t:$name]} > 0 ? ${WALL[$t:$name]} : 0.01)")" \
				"$(calc %.1f "${RSS[$t:$name]} / 1024")" "${LOAD[$t:$name]}"
		else
			printf '%-10s %s\n' "$t" "${STATUS_WHY[$t:$name]:-${STATUS[$t:$name]:-not run}}"
		fi
	done
	for t in sipsniff tshark sngrep; do
		if have "$t:$name" && [ "$(calc %d "${LOAD[$t:$name]} > $(nproc)")" = 1 ]; then
			say "WARNING: the machine was busy before $t ran (load ${LOAD[$t:$name]} on $(nproc) cores): its wall time is inflated; compare CPU times"
		fi
	done
	if have "sipsniff:$name" && have "tshark:$name"; then
		say "tshark/sipsniff wall: $(calc %.1f "${WALL[tshark:$name]} / (${WALL[sipsniff:$name]} > 0 ? ${WALL[sipsniff:$name]} : 0.01)")x"
		say "sipsniff RSS / tshark RSS: $(calc %.3f "${RSS[sipsniff:$name]} / ${RSS[tshark:$name]}") (1/$(calc %.1f "${RSS[tshark:$name]} / ${RSS[sipsniff:$name]}"))"
	fi
	if have "sipsniff:$name"; then
		say "sipsniff RSS per call: $(calc %.3f "${RSS[sipsniff:$name]} / $calls") KB"
	fi
	if have "tshark:$name" && have "sngrep:$name"; then
		say "sngrep/tshark wall: $(calc %.2f "${WALL[sngrep:$name]} / ${WALL[tshark:$name]}")x"
	fi
}

# verdict NAME OK DETAIL: one PASS/FAIL line.
FAILS=0
verdict() {
	if [ "$2" = 1 ]; then
		printf 'PASS  %s (%s)\n' "$1" "$3"
	else
		printf 'FAIL  %s (%s)\n' "$1" "$3"
		FAILS=$((FAILS + 1))
	fi
}

targets() {
	say ""
	say "== targets =="
	local name
	for name in sip-large sipi; do
		local calls=$LARGE
		[ "$name" = sipi ] && calls=$SIPI
		if have "sipsniff:$name" && have "tshark:$name"; then
			local r
			r=$(calc %.1f "${WALL[tshark:$name]} / (${WALL[sipsniff:$name]} > 0 ? ${WALL[sipsniff:$name]} : 0.01)")
			verdict "$name: sipsniff >= 20x faster than tshark (wall)" "$(calc %d "$r >= 20")" "${r}x"
			r=$(calc %.3f "${RSS[sipsniff:$name]} / ${RSS[tshark:$name]}")
			verdict "$name: sipsniff RSS <= 1/8 of tshark's" "$(calc %d "$r <= 0.125")" "$r"
		else
			verdict "$name: sipsniff >= 20x faster than tshark (wall)" 0 "no measurement: sipsniff ${STATUS_WHY[sipsniff:$name]:-${STATUS[sipsniff:$name]:-not run}}, tshark ${STATUS_WHY[tshark:$name]:-${STATUS[tshark:$name]:-not run}}"
			verdict "$name: sipsniff RSS <= 1/8 of tshark's" 0 "no measurement"
		fi
		if have "sipsniff:$name"; then
			local k
			k=$(calc %.3f "${RSS[sipsniff:$name]} / $calls")
			verdict "$name: sipsniff RSS <= 1.5 KB per call" "$(calc %d "$k <= 1.5")" "$k KB"
			k=$(calc %.2f "${CPU[sipsniff:$name]} / (${WALL[sipsniff:$name]} > 0 ? ${WALL[sipsniff:$name]} : 0.01)")
			verdict "$name: sipsniff uses both cores (CPU/wall > 1.2)" "$(calc %d "$k > 1.2")" "$k"
		else
			verdict "$name: sipsniff RSS <= 1.5 KB per call" 0 "no measurement"
			verdict "$name: sipsniff uses both cores (CPU/wall > 1.2)" 0 "no measurement"
		fi
	done
	if have sipsniff:sip-small && have sipsniff:sip-large; then
		local s
		s=$(calc %.2f "${WALL[sipsniff:sip-large]} / (${WALL[sipsniff:sip-small]} > 0 ? ${WALL[sipsniff:sip-small]} : 0.01)")
		verdict "sipsniff time $LARGE/$SMALL calls <= 5.5x" "$(calc %d "$s <= 5.5")" "${s}x for $(calc %.1f "$LARGE / $SMALL")x the calls"
	else
		verdict "sipsniff time $LARGE/$SMALL calls <= 5.5x" 0 "no measurement"
	fi
	if [ "$FAILS" -gt 0 ]; then
		say ""
		say "RESULT: FAIL ($FAILS target(s) not met)"
	else
		say ""
		say "RESULT: PASS"
	fi
}

main() {
	say "bench-sniff $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	install_deps
	[ -x "$TIME" ] || { say "GNU time ($TIME) is missing: cannot measure"; return 0; }
	say "tshark: $(tshark --version 2>/dev/null | head -n 1 || echo missing)"
	say "sngrep: $(sngrep -V 2>/dev/null | head -n 1 || echo missing)"
	say "go: $($GO version 2>/dev/null || echo missing)"

	mkdir -p bin
	if ! $GO build -trimpath -o bin/gencap ./cmd/gencap; then
		say "cannot build bin/gencap"
		return 0
	fi
	if ! $GO build -o bin/sipsniff ./cmd/sipsniff; then
		say "cannot build bin/sipsniff: it is reported as not available"
		rm -f bin/sipsniff
	fi
	GENCAP_HASH=$(sha256sum bin/gencap | cut -c1-16)

	local t0 t1
	t0=$(date +%s.%N)
	gen sip-small sip "$SMALL" || return 0
	gen sip-large sip "$LARGE" || return 0
	gen sipi sipi "$SIPI" || return 0
	t1=$(date +%s.%N)
	say "generation: $(calc %.1f "$t1 - $t0") s"

	local name calls
	for name in sip-small sip-large sipi; do
		say ""
		say "running on $name.pcap"
		if [ -x bin/sipsniff ]; then
			CMDS[sipsniff:$name]="bin/sipsniff -r $BENCH_DIR/$name.pcap --stats"
		else
			STATUS[sipsniff:$name]="not available (no binary)"
			say "  sipsniff: not available (no binary)"
		fi
		if command -v tshark >/dev/null 2>&1; then
			if [ "$name" = sipi ]; then
				CMDS[tshark:$name]="tshark -n -q -r $BENCH_DIR/$name.pcap -z sip,stat -z isup_msg,tree"
			else
				CMDS[tshark:$name]="tshark -n -q -r $BENCH_DIR/$name.pcap -z sip,stat"
			fi
		else
			STATUS[tshark:$name]="not available (not installed)"
		fi
		if command -v sngrep >/dev/null 2>&1; then
			# sngrep keeps at most capture.limit (20000) dialogs and silently
			# drops the rest; -l lifts the limit so that it handles every call.
			calls=$SMALL
			[ "$name" = sip-large ] && calls=$LARGE
			[ "$name" = sipi ] && calls=$SIPI
			CMDS[sngrep:$name]="sngrep -N -q -l $((calls + calls / 10 + 100)) -I $BENCH_DIR/$name.pcap -O /dev/null"
		else
			STATUS[sngrep:$name]="not available (not installed)"
		fi
		run_tools "$name"
	done

	table sip-small "$SMALL"
	table sip-large "$LARGE"
	table sipi "$SIPI"
	if have sipsniff:sip-small && have sipsniff:sip-large; then
		say ""
		say "sipsniff scaling: $(calc %.2f "${WALL[sipsniff:sip-large]} / (${WALL[sipsniff:sip-small]} > 0 ? ${WALL[sipsniff:sip-small]} : 0.01)")x the time for $(calc %.1f "$LARGE / $SMALL")x the calls"
	fi
	targets
}

main 2>&1 | tee "$REPORT.tmp"
mv -f "$REPORT.tmp" "$REPORT"
echo "report: $REPORT"
exit 0
