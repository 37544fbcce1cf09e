# sipgw / sipsniff
GO      ?= go
BIN     := bin
FUZZTIME ?= 60s

.PHONY: all build test test-unit lint fmt-check vet fuzz fuzz-short bench bench-isup bench-q764 bench-m3ua bench-mtp run deps clean

all: build

build:
	$(GO) build -o $(BIN)/ ./cmd/...

# Packages with goroutines (the analyzer's pipeline, the reader's spool, the
# scanner's pool, live capture and its sessions, the commands, the M3UA stack
# and its transports, the gateway and its SIPp tests, the operations
# packages) run again under the race detector. Every package runs once
# without it too, so that the allocation tests hold what they measure (the
# race runtime makes sync.Pool drop items on purpose). Kernel SCTP and the osmo-stp scenarios run under
# it in the VM stage.
RACE_PKGS := ./sigtran/transport/transporttest/ ./capture/ ./capture/calls/ ./capture/pcapfile/ ./capture/sipscan/ \
	./capture/live/ ./capture/session/ ./capture/afpacket/ ./cmd/sipsniff/ ./ui/ \
	./tdm/bearer/ ./tdm/bearer/rtpsock/ ./tdm/softspan/ ./tdm/dahdi/ \
	./sigtran/m3ua/ ./sigtran/transport/mem/ ./sigtran/transport/tcp/ ./ops/... \
	./gateway/ ./gateway/sim/ ./cmd/sipgw/ ./test/sipp/ \
	./tdm/channel/ ./tdm/mtp/

# The test command of the README and of .ci/run: installs what the tests need
# (tshark, sipp), checks formatting and vet, runs every fuzz target briefly, then
# every test (the tshark oracles included), then the concurrent packages
# with the race detector, then the SCTP VM stage (test-sctp: real kernel
# SCTP and osmo-stp in qemu; it installs its own packages and fails when it
# cannot run).
test: deps lint
	FUZZTIME=5s ./scripts/fuzz.sh
	$(GO) test -count=1 ./...
	$(GO) test -race -count=1 $(RACE_PKGS)
	$(MAKE) --no-print-directory test-sctp

deps:
	./scripts/deps.sh

lint: fmt-check vet

fmt-check:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# The files built only for the VM stage (tags sctpkernel, vmresults) too.
vet:
	$(GO) vet ./...
	$(GO) vet -tags sctpkernel ./sigtran/transport/sctp/ ./test/vm/
	$(GO) vet -tags vmresults ./test/vm/
	$(GO) vet -tags bearerload ./tdm/bearer/

fuzz:
	FUZZTIME=$(FUZZTIME) ./scripts/fuzz.sh

bench: bench-isup bench-q764 bench-m3ua bench-mtp

bench-isup:
	$(GO) test -run='^$$' -bench=. -benchmem ./isup/

# Q.764 call cycles (IAM … RLC) through the protocol machine, with and
# without the timer driver; circuit selection on a 1,000-circuit group.
bench-q764:
	$(GO) test -run='^$$' -bench=. -benchmem ./isup/q764/ ./isup/circuit/

# M3UA DATA through two of our stacks over the in-memory transport, and the
# codec alone, on one core (msg/s is the figure to read).
bench-m3ua:
	$(GO) test -run='^$$' -bench='DATAThrough|DATACodecOverMem|DecodeDATA$$|AppendDATA$$' -benchmem -benchtime=1s -cpu 1 ./sigtran/m3ua/

# MTP2 MSUs per second over a seqpacket signalling channel: two of our
# stacks on one link (msu/s), and UBL/UBA through the libss7 test peer
# (needs gcc and libss7-dev, see scripts/deps.sh).
.PHONY: bench-mtp
bench-mtp:
	$(GO) test -run='^$$' -bench='SeqPacketMSUs|Libss7UBLUBA' -benchmem -benchtime=1s ./tdm/mtp/
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=1s ./tdm/su/ ./tdm/mtp2/

# sipsniff --stats against tshark and sngrep on generated 50k/250k-call SIP
# and 50k-call SIP-I captures (kept in ${BENCH_DIR:-/tmp/sipsniff-bench});
# prints the figures and PASS/FAIL per target, also into report.txt there.
.PHONY: bench-sniff
bench-sniff:
	GO=$(GO) ./scripts/bench-sniff.sh

# The terminal UI on 250k calls: opening the bench-sniff capture (analysis
# and the first screen of the call list), and scrolling, filtering and
# sorting per keystroke through the model and the tview view drawn into a
# tcell SimulationScreen. Generates the capture if it is missing.
.PHONY: bench-ui
bench-ui:
	GO=$(GO) ./scripts/bench-ui.sh

# The gateway with its embedded default: SIP on 127.0.0.1:5060 (UDP, TCP) →
# ISUP → the built-in exchange simulator. `sipp -sn uac 127.0.0.1:5060`
# completes calls. -c FILE runs another configuration (ARGS="-c gw.yaml").
run: build
	./$(BIN)/sipgw $(ARGS)

# SIPp at stepped rates against sipgw with the simulator, and SIPp UAC →
# SIPp UAS directly; prints the figures and PASS/FAIL per target (a script,
# not a test: several minutes).
# 1,000 bridged G.711 calls both ways (RTP in and out, jitter buffer,
# DTMF detection, 160 samples each way on software E1 timeslots) per 20 ms
# of media on one core: core% is the share of a core they take (target
# ≤ 25 %); one call's Receive+Tick alone beside it; then the same 1,000
# calls in real time over UDP sockets on the loopback (12 s, the far end
# in its own process), CPU from getrusage.
.PHONY: bench-bearer
bench-bearer:
	$(GO) test -run='^$$' -bench='Bridge1000|BridgeTick' -benchmem -benchtime=1s -cpu 1 ./tdm/bearer/
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=1s -cpu 1 ./tdm/dtmf/ ./tdm/jitter/ ./tdm/g711/
	$(GO) test -tags bearerload -run='^TestUDP(Load1000|Load1000Set|Floor1000)$$' -v -count=1 ./tdm/bearer/ | grep -E 'calls over UDP|ok|FAIL'

.PHONY: bench-gw
bench-gw: build
	GO=$(GO) ./scripts/bench-gw.sh

clean:
	rm -rf $(BIN)

# Real kernel SCTP (the hosts have none) in a qemu VM: transport tests,
# osmo-stp scenarios, the gateway's SIPp calls through osmo-stp (test/sipp
# with SIPGW_SIPP_TOPOLOGY=osmo-stp), tcpdump captures checked on the
# host. Installs its Debian packages when missing; caches the kernel in
# ~/.cache/sipgw-vm.
.PHONY: test-sctp
test-sctp:
	GO=$(GO) ./scripts/vm/test-sctp.sh
