#!/usr/bin/env bash
# The VM stage of `make test-sctp`: real kernel SCTP (the hosts have none)
# in a qemu VM running the Debian kernel's sctp module.
#  1. installs the missing Debian packages, fetches the kernel (cached);
#  2. builds the in-VM test programs statically (CGO_ENABLED=0 go test -c);
#  3. boots the VM: transport tests, osmo-stp scenarios, tcpdump captures;
#  4. checks the captures on the host (test/vm, build tag vmresults).
# Exits non-zero on any failure, with the VM console on stderr. The work
# folder is removed on success and kept (and named) on failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"
repo="$(cd "$here/../.." && pwd)"
GO="${GO:-go}"
start=$(date +%s)

"$here/deps.sh"
kdir="$("$here/kernel.sh")"

work="$(mktemp -d "${TMPDIR:-/tmp}/sipgw-vm.XXXXXX")"
keep=1
trap '[ "$keep" = 0 ] && rm -rf "$work" || echo "vm: work folder kept: $work" >&2' EXIT

cd "$repo"
log "building the test programs"
CGO_ENABLED=0 "$GO" test -c -tags sctpkernel -o "$work/sctp.test" ./sigtran/transport/sctp
CGO_ENABLED=0 "$GO" test -c -tags sctpkernel -o "$work/vm.test" ./test/vm

"$here/initramfs.sh" "$kdir" "$work/initrd.img" \
	"$work/sctp.test:/vm/sctp.test" \
	"$work/vm.test:/vm/vm.test" \
	"$repo/test/vm/run.sh:/vm/run.sh" \
	"$repo/test/vm/osmo-stp.cfg:/vm/osmo-stp.cfg"

log "booting $(cat "$kdir/version")"
"$here/boot.sh" "$kdir" "$work/initrd.img" "$work" "${SIPGW_VM_TIMEOUT:-300}"
grep -E '^(=== RUN|--- |PASS|FAIL|ok|vm:)' "$work/console.log" | grep -v '^=== RUN' || true

log "checking the captures on the host"
if ! SIPGW_VM_RESULTS="$work/results" "$GO" test -count=1 -tags vmresults -run '^TestWire' -v ./test/vm/ >"$work/wire.log" 2>&1; then
	cat "$work/wire.log" >&2
	die "capture checks failed"
fi
grep -E '^(--- |ok)' "$work/wire.log" || true

keep=0
log "PASS in $(($(date +%s) - start)) s"
