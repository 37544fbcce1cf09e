// Package vm holds the programs of the SCTP VM stage (make test-sctp):
// tests that need kernel SCTP, osmo-stp and tcpdump run inside a qemu VM
// (build tag sctpkernel), and checks of what they captured run back on the
// host (build tag vmresults). Without either tag the package holds only
// the scenarios' constants (scenario.go), shared with osmo-stp.cfg and
// test/sipp.
//
// The osmo-stp scenarios drive our M3UA stack (sigtran/m3ua) as two ASPs
// through the ASP interface (asp_test.go): calls through the STP, SSNM
// when one ASP leaves and returns, the STP killed and restarted. The rate
// tests record DATA messages per second through osmo-stp and between two
// stacks over plain kernel SCTP; run.sh runs them outside the capture.
//
// The gateway's end-to-end calls run in the VM too: test/sipp's test
// binary with SIPGW_SIPP_TOPOLOGY=osmo-stp (SIPp → sipgw A → osmo-stp →
// the exchange simulator or sipgw B → SIPp), captured apart (gw.pcap) and
// checked on the host by gwwire_test.go.
package vm
