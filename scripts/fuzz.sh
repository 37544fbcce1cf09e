#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME each (default 5s).
# go test accepts one -fuzz target per package per run, hence the loop.
#
# Go 1.26's fuzz coordinator can fail a target with a bare "context deadline
# exceeded" when -fuzztime ends while a worker is mid-call on a loaded
# machine (golang/go#75804, fixed in Go 1.27). That is never a finding: a
# real one prints "Failing input written to" and leaves the input in
# testdata/fuzz. Such a run is tried once more, and a second bare deadline
# is reported as a warning, not a failure. Anything else fails.
set -euo pipefail
t="${FUZZTIME:-5s}"
cd "$(dirname "$0")/.."
status=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# bare_deadline: the log's only complaint is the coordinator's deadline.
bare_deadline() {
	grep -q 'context deadline exceeded' "$log" &&
		! grep -qE 'Failing input written to|panic:|_test\.go:[0-9]+:' "$log"
}

while IFS= read -r line; do
	file="${line%%:*}"
	name="$(sed -E 's/^.*func (Fuzz[A-Za-z0-9_]+).*/\1/' <<<"$line")"
	pkg="./$(dirname "${file#./}")"
	echo "fuzz: $pkg $name for $t"
	ok=0
	for attempt in 1 2; do
		if go test -run='^$' -fuzz="^${name}\$" -fuzztime="$t" "$pkg" >"$log" 2>&1; then
			ok=1
			break
		fi
		if ! bare_deadline; then
			break
		fi
		if [ "$attempt" = 2 ]; then
			echo "fuzz: warning: $name ended twice on the fuzz coordinator's deadline (golang/go#75804), no failing input"
			ok=1
		else
			echo "fuzz: $name ended on the fuzz coordinator's deadline (golang/go#75804), no failing input: once more"
		fi
	done
	if [ "$ok" = 0 ]; then
		cat "$log"
		status=1
	fi
done < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]+\(' . | sort)
exit $status
