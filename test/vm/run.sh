#!/bin/sh
# Runs inside the VM (see scripts/vm/init): the test programs, with
# tcpdump capturing all SCTP on the loopback for the host's checks. What
# the host reads back goes to /results.
set -u
export SIPGW_RESULTS=/results CI=true
status=0

# TestNoKernelSCTP is the host's test (a kernel without SCTP); here it
# would only skip.
echo "vm: sctp.test"
/vm/sctp.test -test.v -test.count=1 -test.timeout=120s -test.skip='^TestNoKernelSCTP$' >/results/sctp.test.log 2>&1 || status=1
cat /results/sctp.test.log

echo "vm: sctp.race.test"
/vm/sctp.race.test -test.count=1 -test.timeout=180s -test.skip='^TestNoKernelSCTP$' >/results/sctp.race.test.log 2>&1 || status=1
tail -n 3 /results/sctp.race.test.log

# tcpdump needs its user (it drops root) and says when it listens; a
# 64 MiB buffer keeps it from dropping packets on a busy host (the host
# checks fail on any drop). capture NAME writes /results/NAME.pcap and
# /results/NAME.tcpdump.log (vm: tcpdump.log, as the host reads it).
chmod 0777 /results
capture() {
	log=/results/$1.tcpdump.log
	[ "$1" = vm ] && log=/results/tcpdump.log
	/usr/bin/tcpdump -i lo -s 0 -B 65536 -U --immediate-mode -w "/results/$1.pcap" sctp 2>"$log" &
	tcpdump=$!
	i=0
	until grep -q 'listening on' "$log" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 $tcpdump 2>/dev/null; then
			echo "vm: tcpdump did not start"; cat "$log"; exit 1
		fi
		sleep 0.1
	done
}
# Let the last packets reach the file, then stop tcpdump cleanly.
endcapture() {
	sleep 0.5
	kill -INT $tcpdump
	wait $tcpdump
	cat "$log"
}

capture vm
echo "vm: vm.test"
/vm/vm.test -test.v -test.count=1 -test.timeout=240s -test.skip='Rate$' >/results/vm.test.log 2>&1 || status=1
cat /results/vm.test.log
endcapture

# The gateway's end-to-end calls (test/sipp's, with SIPp) over kernel
# SCTP through osmo-stp, in a capture of their own: SIPp → sipgw A →
# osmo-stp → the exchange simulator, or → sipgw B → SIPp. SIPp's
# scenarios are read from the working directory.
capture gw
echo "vm: sipp.test"
(cd /vm/sipp && SIPGW_SIPP_TOPOLOGY=osmo-stp SIPGW_OSMO_STP_CFG=/vm/osmo-stp.cfg \
	/vm/sipp.test -test.v -test.count=1 -test.timeout=400s \
	-test.run='^(TestOsmoSTPTopologyConfig|TestUAC|TestTwoGateways|TestSIPITransparency)$') >/results/sipp.test.log 2>&1 || status=1
grep -E '^ *(--- |PASS|FAIL|ok|panic)|_test.go:' /results/sipp.test.log
endcapture

echo "vm: rates (not captured)"
/vm/vm.test -test.v -test.count=1 -test.timeout=180s -test.run='Rate$' >/results/rate.log 2>&1 || status=1
cat /results/rate.log
/vm/sctp.test -test.run='^$' -test.bench=. -test.benchtime=1s -test.count=1 >/results/bench.txt 2>&1 || status=1
cat /results/bench.txt

# Our stack against osmo-stp and over plain SCTP again, under the race
# detector (not captured; its files go to /results/race).
echo "vm: vm.race.test"
mkdir -p /results/race
SIPGW_RESULTS=/results/race /vm/vm.race.test -test.v -test.count=1 -test.timeout=240s -test.run='^(TestOsmoSTP|TestIPSPRate)$' >/results/vm.race.test.log 2>&1 || status=1
grep -E '^(--- |PASS|FAIL|WARNING: DATA RACE)' /results/vm.race.test.log

# The gateway over kernel SCTP under the race detector: the calls with
# the simulator through osmo-stp (not captured).
echo "vm: sipp.race.test"
mkdir -p /results/race
(cd /vm/sipp && SIPGW_RESULTS=/results/race SIPGW_SIPP_TOPOLOGY=osmo-stp SIPGW_OSMO_STP_CFG=/vm/osmo-stp.cfg \
	/vm/sipp.race.test -test.v -test.count=1 -test.timeout=300s -test.run='^TestUAC$') >/results/sipp.race.test.log 2>&1 || status=1
grep -E '^(--- |PASS|FAIL|WARNING: DATA RACE)' /results/sipp.race.test.log

echo "vm: run.sh status $status"
exit $status
