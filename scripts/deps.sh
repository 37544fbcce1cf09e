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
