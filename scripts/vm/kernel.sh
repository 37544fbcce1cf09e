#!/usr/bin/env bash
# Prints the path of a folder holding the Debian kernel that
# linux-image-amd64 currently depends on: vmlinuz and, in modules/, the five
# modules SCTP needs in load order (modules/order lists them). The package
# is fetched with apt-get download (not installed: that would build an
# initrd for /boot) and the result is cached per kernel package version.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Load order: sctp needs libcrc32c (which needs a crc32c provider) and the
# UDP tunnel helpers (RFC 6951 encapsulation).
MODULES=(crc32c_generic libcrc32c udp_tunnel ip6_udp_tunnel sctp)

pkg="$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n1)"
if [ -z "$pkg" ]; then
	need_root
	apt-get update -q >/dev/null || die "apt-get update failed"
	pkg="$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n1)"
fi
[ -n "$pkg" ] || die "cannot tell which kernel package linux-image-amd64 depends on"
ver="$(apt-cache policy "$pkg" | sed -n 's/^ *Candidate: //p')"
[ -n "$ver" ] && [ "$ver" != "(none)" ] || die "no candidate version for $pkg"

out="$VM_CACHE/kernel/$pkg-$ver"
if [ -f "$out/ok" ]; then
	echo "$out"
	exit 0
fi

mkdir -p "$VM_CACHE/debs"
deb="$(ls "$VM_CACHE/debs/${pkg}_"*"_amd64.deb" 2>/dev/null | grep -F "_${ver//:/%3a}_" | head -n1 || true)"
if [ -z "$deb" ]; then
	log "fetching $pkg $ver"
	# apt-get warns that _apt cannot write into root's cache; the download
	# is done as root then, which is what we want here.
	(cd "$VM_CACHE/debs" && apt-get download -q "$pkg=$ver" >"$VM_CACHE/debs/download.log" 2>&1) ||
		{ cat "$VM_CACHE/debs/download.log" >&2; die "apt-get download $pkg=$ver failed"; }
	deb="$(ls "$VM_CACHE/debs/${pkg}_"*"_amd64.deb" | grep -F "_${ver//:/%3a}_" | head -n1)"
fi
work="$(mktemp -d "$VM_CACHE/kernel.tmp.XXXXXX")"
trap 'rm -rf "$work"' EXIT
dpkg-deb -x "$deb" "$work/x" || die "dpkg-deb -x $deb failed"

mkdir -p "$work/out/modules"
vmlinuz="$(ls "$work"/x/boot/vmlinuz-* 2>/dev/null | head -n1 || true)"
[ -n "$vmlinuz" ] || die "no vmlinuz in $deb"
cp "$vmlinuz" "$work/out/vmlinuz"
: >"$work/out/modules/order"
for m in "${MODULES[@]}"; do
	# Module files use - or _ interchangeably and may be compressed
	# (.ko.xz in later kernels); take the one the package has.
	f="$(find "$work/x/lib/modules" "$work/x/usr/lib/modules" -name "$m.ko*" -o -name "${m//_/-}.ko*" 2>/dev/null | head -n1 || true)"
	[ -n "$f" ] || die "module $m not found in $deb"
	case "$f" in
	*.ko) cp "$f" "$work/out/modules/$m.ko" ;;
	*.ko.xz) xz -dc "$f" >"$work/out/modules/$m.ko" ;;
	*.ko.zst) zstd -qdc "$f" >"$work/out/modules/$m.ko" ;;
	*.ko.gz) gzip -dc "$f" >"$work/out/modules/$m.ko" ;;
	*) die "unknown module format: $f" ;;
	esac
	echo "$m.ko" >>"$work/out/modules/order"
done
echo "$pkg $ver" >"$work/out/version"
touch "$work/out/ok"
mkdir -p "$(dirname "$out")"
rm -rf "$out"
mv "$work/out" "$out"
echo "$out"
