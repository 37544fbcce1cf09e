#!/usr/bin/env bash
# Installs the Debian packages the SCTP VM stage needs, only those missing:
# qemu (TCG), a static busybox for the VM's userland, cpio for the
# initramfs, tcpdump, osmo-stp and sip-tester (SIPp) to run inside the VM, libss7-dev (the
# independent ISUP peer, linked statically later), gcc and libc6-dev for
# the -race test binaries (cgo), tshark for the host's capture checks.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pkgs=(qemu-system-x86 busybox-static cpio tcpdump osmo-stp sip-tester libss7-dev gcc libc6-dev tshark)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
	exit 0
fi
need_root
log "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || die "apt-get update failed"
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
