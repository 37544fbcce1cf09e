#!/usr/bin/env bash
# The VM stage of `make test-sctp`: real kernel SCTP (the hosts have none)
# in a qemu VM running the Debian kernel's sctp module.
#  1. installs the missing Debian packages, fetches the kernel (cached);
#  2. builds the in-VM test programs statically (CGO_ENABLED=0 go test -c);
#  3. boots the VM: transport tests, osmo-stp scenarios, the gateway's
#     SIPp calls through osmo-stp, tcpdump captures;
#  4. checks the captures on the host (test/vm, build tag vmresults).
# Exits non-zero on any failure, with the VM console on stderr. The work
# folder is removed on success and kept (and named) on failure.
# SIPGW_SKIP_VM=1 skips the stage, except under CI=true.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
repo="$(cd "$here/../.." && pwd)"
GO="${GO:-go}"
start=$(date +%s)

# An explicit opt-out for a machine that cannot run the VM (no root to
# install qemu): never in CI, where the stage must run or fail.
if [ "${SIPGW_SKIP_VM:-}" = 1 ]; then
	[ "${CI:-}" != true ] || die "SIPGW_SKIP_VM=1 is refused in CI (CI=true): the SCTP VM stage must run"
	log "SKIPPED: SIPGW_SKIP_VM=1 (the SCTP VM stage did not run)"
	exit 0
fi

"$here/deps.sh"
kdir="$("$here/kernel.sh")"

work="$(mktemp -d "${TMPDIR:-/tmp}/sipgw-vm.XXXXXX")"
keep=1
trap '[ "$keep" = 0 ] && rm -rf "$work" || echo "vm: work folder kept: $work" >&2' EXIT

cd "$repo"
log "building the test programs"
CGO_ENABLED=0 "$GO" test -c -tags sctpkernel -o "$work/sctp.test" ./sigtran/transport/sctp
CGO_ENABLED=0 "$GO" test -c -tags sctpkernel -o "$work/vm.test" ./test/vm
# The gateway's SIPp tests, run in the VM with SIPGW_SIPP_TOPOLOGY=osmo-stp
# (run.sh); their scenarios go to the test's working directory.
CGO_ENABLED=0 "$GO" test -c -o "$work/sipp.test" ./test/sipp
CGO_ENABLED=1 "$GO" test -c -race -o "$work/sipp.race.test" ./test/sipp
scenarios=()
for f in "$repo"/test/sipp/scenarios/*.xml; do
	scenarios+=("$f:/vm/sipp/scenarios/$(basename "$f")")
done
# The race detector needs cgo: a dynamic binary, its libraries copied in.
CGO_ENABLED=1 "$GO" test -c -race -tags sctpkernel -o "$work/sctp.race.test" ./sigtran/transport/sctp
CGO_ENABLED=1 "$GO" test -c -race -tags sctpkernel -o "$work/vm.race.test" ./test/vm

"$here/initramfs.sh" "$kdir" "$work/initrd.img" \
	"$work/sctp.test:/vm/sctp.test" \
	"$work/vm.test:/vm/vm.test" \
	"$work/sctp.race.test:/vm/sctp.race.test" \
	"$work/vm.race.test:/vm/vm.race.test" \
	"$work/sipp.test:/vm/sipp.test" \
	"$work/sipp.race.test:/vm/sipp.race.test" \
	"${scenarios[@]}" \
	"$repo/test/vm/run.sh:/vm/run.sh" \
	"$repo/test/vm/osmo-stp.cfg:/vm/osmo-stp.cfg"

log "booting $(cat "$kdir/version")"
# About 95 s in the VM on this 2-core machine (the gateway's SIPp calls
# are more than half of it); the limit leaves room for a loaded CI host.
"$here/boot.sh" "$kdir" "$work/initrd.img" "$work" "${SIPGW_VM_TIMEOUT:-600}"
tr -d '\r' <"$work/console.log" | grep -E '^( *--- |PASS|FAIL|ok|vm:|Benchmark| +\w+(_test)?\.go:[0-9]+:)' || true

log "checking the captures on the host"
# CI=true: a check that cannot run (no capture, no tshark) fails.
if ! CI=true SIPGW_VM_RESULTS="$work/results" "$GO" test -count=1 -tags vmresults -run '^TestWire' -v ./test/vm/ >"$work/wire.log" 2>&1; then
	cat "$work/wire.log" >&2
	die "capture checks failed"
fi
grep -E '^( *--- |ok| +\w+(_test)?\.go:[0-9]+:)' "$work/wire.log" || true

log "rates (emulated CPUs, a record only):"
cat "$work"/results/rate-*.txt

# The last run's logs stay for reading (figures, captures).
rm -rf "$VM_CACHE/last-run" && mkdir -p "$VM_CACHE/last-run" &&
	cp -r "$work/console.log" "$work/wire.log" "$work/results" "$VM_CACHE/last-run/" || true
keep=0
log "PASS in $(($(date +%s) - start)) s"
