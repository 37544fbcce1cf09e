#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME each (default 5s).
# go test accepts one -fuzz target per package per run, hence the loop.
set -euo pipefail
t="${FUZZTIME:-5s}"
cd "$(dirname "$0")/.."
status=0
while IFS= read -r line; do
	file="${line%%:*}"
	name="$(sed -E 's/^.*func (Fuzz[A-Za-z0-9_]+).*/\1/' <<<"$line")"
	pkg="./$(dirname "${file#./}")"
	echo "fuzz: $pkg $name for $t"
	if ! go test -run='^$' -fuzz="^${name}\$" -fuzztime="$t" "$pkg" >/tmp/fuzz.$$.log 2>&1; then
		cat /tmp/fuzz.$$.log
		status=1
	fi
done < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]+\(' . | sort)
rm -f /tmp/fuzz.$$.log
exit $status
