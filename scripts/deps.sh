#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian 12 machine (idempotent:
# does nothing when everything is present). Run as root, or with sudo.
set -euo pipefail

need=()
command -v tshark >/dev/null 2>&1 || need+=(tshark)
command -v text2pcap >/dev/null 2>&1 || need+=(wireshark-common)
# SIPp: the gateway's end-to-end tests (test/sipp) and make bench-gw.
command -v sipp >/dev/null 2>&1 || need+=(sip-tester)
# tmux: sipsniff's terminal UI is driven on a real terminal (cmd/sipsniff TestTUIInTmux).
command -v tmux >/dev/null 2>&1 || need+=(tmux)
# tcpdump: sipsniff -f's compiler is checked against tcpdump -ddd (capture/pktfilter),
# and compiles the filters outside its subset.
command -v tcpdump >/dev/null 2>&1 || need+=(tcpdump)
# ip (iproute2): the live capture tests make a network namespace and a veth pair.
command -v ip >/dev/null 2>&1 || need+=(iproute2)
# gcc and libss7-dev: the MTP2/MTP3 interop tests (tdm/mtp) build a libss7
# peer (tdm/ss7peer/csrc/ss7peer.c) against the static libss7.a; test/sipp
# uses it too, for calls through the gateway over a TDM linkset.
command -v gcc >/dev/null 2>&1 || need+=(gcc)
if [ ! -f /usr/include/libss7.h ] || ! command -v gcc >/dev/null 2>&1 ||
	[ "$(gcc -print-file-name=libss7.a 2>/dev/null)" = "libss7.a" ]; then
	need+=(libss7-dev)
fi

# gcc also checks tdm/dahdi's ioctl numbers and struct layouts against
# DAHDI's own header (TestABIAgainstHeader). DAHDI's user.h comes from Debian's dahdi-source, whose dependencies
# (debhelper, module-assistant, …) the tests do not need: download the
# package and extract only its headers into the cache the test looks in.
dahdi_cache="${XDG_CACHE_HOME:-$HOME/.cache}/sipgw-dahdi"
if [ ! -f /usr/include/dahdi/user.h ] && [ ! -f "$dahdi_cache/usr/include/dahdi/user.h" ]; then
	tmp="$(mktemp -d)"
	if ! (cd "$tmp" && apt-get download dahdi-source >/dev/null 2>&1); then
		apt-get update -qq >/dev/null 2>&1 || true
		(cd "$tmp" && apt-get download dahdi-source >/dev/null 2>&1) || echo "deps: could not download dahdi-source" >&2
	fi
	if ls "$tmp"/dahdi-source_*.deb >/dev/null 2>&1; then
		mkdir -p "$dahdi_cache"
		dpkg-deb --fsys-tarfile "$tmp"/dahdi-source_*.deb | tar -x -C "$dahdi_cache" ./usr/include/dahdi
		echo "deps: DAHDI headers in $dahdi_cache/usr/include" >&2
	fi
	rm -rf "$tmp"
fi

if [ ${#need[@]} -eq 0 ]; then
	exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
		echo "deps: missing ${need[*]} and not root: install them, or run as root" >&2
		exit 1
	fi
fi
echo "deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no, non-interactively.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
