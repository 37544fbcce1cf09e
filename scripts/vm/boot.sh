#!/usr/bin/env bash
# boot.sh KERNELDIR INITRD OUTDIR [TIMEOUT_SECONDS]
# Boots the VM (qemu TCG: KVM is unusable on these machines) with no
# network, writes the console to OUTDIR/console.log and unpacks the
# results the VM sends over its second serial port into OUTDIR/results.
# Exits with the VM's test status; prints the console log on any failure.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kdir="$1"
initrd="$2"
outdir="$3"
limit="${4:-600}"
mkdir -p "$outdir/results"
console="$outdir/console.log"
serial="$outdir/ttyS1.out"
: >"$serial"

fail() {
	echo "----- VM console ($console) -----" >&2
	cat "$console" >&2 || true
	echo "----- end of VM console -----" >&2
	die "$*"
}

start=$(date +%s)
set +e
# --foreground keeps qemu in our process group: stopping this script
# stops the VM too.
timeout --foreground --kill-after=10 "$limit" qemu-system-x86_64 \
	-accel tcg -cpu max -smp 2 -m 1024 -nographic -no-reboot -nic none \
	-serial mon:stdio -serial "file:$serial" \
	-kernel "$kdir/vmlinuz" -initrd "$initrd" \
	-append "console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init" \
	</dev/null >"$console" 2>&1
qrc=$?
set -e
log "VM ran $(($(date +%s) - start)) s"
[ "$qrc" -ne 124 ] && [ "$qrc" -ne 137 ] || fail "VM did not finish within $limit s"
[ "$qrc" -eq 0 ] || fail "qemu exited with status $qrc"

status="$(tr -d '\r' <"$console" | sed -n 's/^SIPGW-VM-EXIT=\([0-9]*\)$/\1/p' | tail -n1)"
[ -n "$status" ] || fail "the VM stopped without reporting a status"

grep -q '^SIPGW-RESULTS-END' "$serial" || fail "the VM sent no results on ttyS1"
tr -d '\r' <"$serial" | sed -n '/^SIPGW-RESULTS-BEGIN$/,/^SIPGW-RESULTS-END$/p' | sed '1d;$d' |
	base64 -d | tar -C "$outdir/results" -xf - || fail "could not read the results the VM sent back"

[ "$status" -eq 0 ] || fail "tests in the VM failed (status $status)"
