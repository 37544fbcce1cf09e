// Package vm holds the programs of the SCTP VM stage (make test-sctp):
// tests that need kernel SCTP, osmo-stp and tcpdump run inside a qemu VM
// (build tag sctpkernel), and checks of what they captured run back on the
// host (build tag vmresults). Without either tag the package is empty.
package vm
