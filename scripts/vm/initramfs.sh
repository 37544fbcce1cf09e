#!/usr/bin/env bash
# initramfs.sh KERNELDIR OUT SRC:DST...
# Builds the VM's initramfs in OUT: /init, a static busybox, the kernel
# modules of KERNELDIR, osmo-stp, tcpdump and sipp with the shared
# libraries ldd finds for them, a passwd with the tcpdump user (tcpdump drops root to
# it), and every SRC file copied to DST (test binaries, configuration).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
here="$(cd "$(dirname "$0")" && pwd)"

kdir="$1"
out="$2"
shift 2

root="$(mktemp -d "${TMPDIR:-/tmp}/sipgw-vm-root.XXXXXX")"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,etc,lib/modules,lib64,usr/bin,vm,results,proc,sys,dev,tmp}

install -m 0755 "$here/init" "$root/init"
# busybox-static's binary; the dynamic busybox package would not run here.
[ -x /bin/busybox ] || die "no /bin/busybox (package busybox-static)"
install -m 0755 /bin/busybox "$root/bin/busybox"

while read -r m; do
	install -m 0644 "$kdir/modules/$m" "$root/lib/modules/$m"
done <"$kdir/modules/order"
cp "$kdir/modules/order" "$root/lib/modules/order"

# Dynamic programs and their libraries, copied with symlinks resolved into
# the same paths (Debian's merged /usr makes /lib a symlink on the host;
# in the VM the files are real).
copy_libs() {
	ldd "$1" | awk '/=>/ { print $3 } /^\t\// { print $1 }' | while read -r lib; do
		[ -n "$lib" ] && [ -e "$lib" ] || continue
		[ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
	done
}
copy_with_libs() {
	[ -x "$1" ] || die "$1 missing"
	install -D -m 0755 "$1" "$root$1"
	copy_libs "$1"
}
copy_with_libs /usr/bin/osmo-stp
copy_with_libs /usr/bin/tcpdump
# SIPp (Debian sip-tester) for the gateway's end-to-end calls. With
# -nostdin and its output on a pipe it opens no terminal (no terminfo);
# it writes its traces where the tests say (/tmp, a tmpfs in the VM).
copy_with_libs /usr/bin/sipp

cat >"$root/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
tcpdump:x:104:110::/nonexistent:/bin/false
PW
cat >"$root/etc/group" <<'GR'
root:x:0:
tcpdump:x:110:
GR

for spec in "$@"; do
	src="${spec%%:*}"
	dst="${spec#*:}"
	[ -e "$src" ] || die "initramfs: $src missing"
	install -D -m 0755 "$src" "$root$dst"
	# A dynamic program (a -race test binary needs cgo) brings its libraries.
	if ldd "$src" >/dev/null 2>&1; then
		copy_libs "$src"
	fi
done

(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$out"
