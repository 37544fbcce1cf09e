package gateway

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/sipgw/sipgw/gateway/config"
	"github.com/sipgw/sipgw/gateway/internal/assoc"
	"github.com/sipgw/sipgw/gateway/sim"
	"github.com/sipgw/sipgw/interwork/call"
	"github.com/sipgw/sipgw/isup"
	"github.com/sipgw/sipgw/isup/circuit"
	"github.com/sipgw/sipgw/isup/q764"
	"github.com/sipgw/sipgw/ops"
	"github.com/sipgw/sipgw/sigtran/m3ua"
	"github.com/sipgw/sipgw/sigtran/route"
	"github.com/sipgw/sipgw/sigtran/transport"
	"github.com/sipgw/sipgw/sigtran/transport/mem"
)

// Options are what the process gives the gateway besides its
// configuration.
type Options struct {
	Log      *slog.Logger
	Observer Observer
	CDR      CDRSink
	Version  string
}

// Gateway is a running (or ready to run) gateway.
type Gateway struct {
	cfg     *config.Config
	log     *slog.Logger
	obs     Observer
	cdrSink CDRSink
	version string

	ua        *sipgo.UserAgent
	cli       *sipgo.Client
	host      string
	sdp       []byte
	t1        time.Duration
	serverHdr sip.Header
	ports     map[string]int // transport → listen port
	addrs     map[string]string

	trunks    []*trunk
	isupIdx   map[string]int
	sipTrunks []*sipTrunk
	sipIdx    map[string]int
	stacks    []*m3ua.Stack
	mtps      []*mtpPoint
	media     *mediaRuntime // spans, bearers, RTP (nil without spans)
	memNet    *mem.Network
	listeners []transport.Listener // of the stacks, closed by their Run
	sim       *sim.Sim
	rt        atomic.Pointer[routeTable]

	dialogs   sync.Map // Call-ID → *leg
	nextID    atomic.Uint64
	active    atomic.Int64
	phases    [ops.NumPhases]atomic.Int64 // calls in progress by phase
	accepting atomic.Bool
	started0  atomic.Int64 // unix ns when Run began: Status reads it from the admin and metrics servers

	amu    sync.Mutex
	assocs map[string]*ops.AssocStatus

	wg      sync.WaitGroup
	ready   chan struct{}
	runOnce sync.Once
}

var errStopped = errors.New("gateway: stopped")

var sipLogOnce sync.Once

const (
	peerUnknown = 0
	peerUp      = 1
	peerDown    = 2
)

// New builds the gateway of cfg (validated by package config).
func New(cfg *config.Config, o Options) (*Gateway, error) {
	g := &Gateway{cfg: cfg, log: o.Log, obs: o.Observer, cdrSink: o.CDR, version: o.Version,
		isupIdx: map[string]int{}, sipIdx: map[string]int{}, ports: map[string]int{}, addrs: map[string]string{},
		assocs: map[string]*ops.AssocStatus{}, ready: make(chan struct{}), t1: call.DefaultT1}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if g.obs == nil {
		g.obs = NopObserver{}
	}
	if g.version == "" {
		g.version = "dev"
	}
	ua := cfg.SIP.UserAgent
	if ua == "" {
		ua = "sipgw"
	}
	g.serverHdr = sip.NewHeader("Server", ua)
	g.host = cfg.SIP.Host
	if g.host == "" {
		for _, a := range []string{cfg.SIP.UDP, cfg.SIP.TCP, cfg.SIP.TLS} {
			if h, _, err := net.SplitHostPort(a); err == nil && h != "" {
				g.host = h
				break
			}
		}
	}
	if g.host == "" || g.host == "0.0.0.0" || g.host == "::" {
		g.host = "127.0.0.1"
	}
	g.sdp = []byte("v=0\r\no=sipgw 1 1 IN IP4 " + g.host + "\r\ns=sipgw\r\nc=IN IP4 " + g.host +
		"\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8 0\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n")

	for i := range cfg.SIPTrunks {
		st := &sipTrunk{gw: g, cfg: &cfg.SIPTrunks[i], secret: newSecret()}
		g.sipTrunks = append(g.sipTrunks, st)
		g.sipIdx[st.cfg.Name] = i
	}
	// One M3UA stack per signalling point; ISUP from it is dispatched by
	// OPC to the trunk of that peer.
	needMem := false
	for _, sg := range cfg.Sigtran {
		for _, a := range sg.Associations {
			needMem = needMem || strings.EqualFold(a.Transport, "mem")
		}
	}
	if needMem {
		g.memNet = mem.NewNetwork()
	}
	// ISUP from a stack is dispatched by OPC and CIC (dispatch).
	byPeer := make([]dispatch, len(cfg.Sigtran))
	for i := range cfg.Sigtran {
		byPeer[i] = dispatch{}
	}
	byMTP := make([]dispatch, len(cfg.MTP))
	for i := range cfg.MTP {
		byMTP[i] = dispatch{}
	}
	for si := range cfg.Sigtran {
		sg := &cfg.Sigtran[si]
		scfg := m3ua.Config{LocalPC: sg.R.PC, NI: sg.R.NI, Log: g.log.With("sigtran", sg.Name)}
		for ai := range sg.Associations {
			a := &sg.Associations[ai]
			ac := m3ua.ASConfig{Name: a.Name, Peer: sg.R.ASs[ai].Peer}
			if a.Listen != "" {
				ln, err := assoc.Listen(a.Transport, a.Listen, g.memNet)
				if err != nil {
					g.closeStacks()
					return nil, fmt.Errorf("sigtran %s: association %s: %w", sg.Name, a.Name, err)
				}
				ac.Listen = ln
				g.listeners = append(g.listeners, ln)
			} else {
				d, err := assoc.Dialer(a, g.memNet)
				if err != nil {
					g.closeStacks()
					return nil, fmt.Errorf("sigtran %s: %w", sg.Name, err)
				}
				ac.Dial = []transport.Dialer{d}
			}
			scfg.ASs = append(scfg.ASs, ac)
		}
		for i := range cfg.ISUPTrunks {
			t := &cfg.ISUPTrunks[i]
			r := route.Route{DPC: t.R.Group.PeerPC(), Linkset: t.R.AS}
			if t.R.Sigtran == si && !slices.Contains(scfg.Routes, r) {
				scfg.Routes = append(scfg.Routes, r)
			}
		}
		peers := byPeer[si]
		scfg.OnISUP = func(u *m3ua.UserData) { peers.deliver(u.OPC, u.Data) }
		name := sg.Name
		scfg.OnState = func(e m3ua.StateEvent) { g.assocState(name, e) }
		st, err := m3ua.New(scfg)
		if err != nil {
			g.closeStacks()
			return nil, fmt.Errorf("sigtran %s: %w", sg.Name, err)
		}
		g.stacks = append(g.stacks, st)
	}
	media, err := newMedia(g, cfg)
	if err != nil {
		g.closeStacks()
		return nil, err
	}
	g.media = media
	for mi := range cfg.MTP {
		pt, err := g.newMTP(&cfg.MTP[mi], cfg.ISUPTrunks, mi, byMTP[mi])
		if err != nil {
			g.closeStacks()
			return nil, err
		}
		g.mtps = append(g.mtps, pt)
	}
	for i := range cfg.ISUPTrunks {
		c := &cfg.ISUPTrunks[i]
		var tr isupTransport
		var d dispatch
		if c.R.MTP >= 0 {
			tr, d = g.mtps[c.R.MTP].st, byMTP[c.R.MTP]
		} else {
			tr, d = g.stacks[c.R.Sigtran], byPeer[c.R.Sigtran]
		}
		t, err := newTrunk(g, c, tr)
		if err != nil {
			g.closeStacks()
			return nil, fmt.Errorf("isup trunk %s: %w", c.Name, err)
		}
		g.trunks = append(g.trunks, t)
		g.isupIdx[c.Name] = i
		d[t.peer.Uint32()] = append(d[t.peer.Uint32()], t)
	}
	g.rt.Store(g.compileRoutes(cfg.Routes))
	if cfg.Simulator != nil && g.memNet != nil {
		s, err := sim.New(cfg, sim.Options{Net: g.memNet, Log: g.log})
		if err != nil {
			g.closeStacks()
			return nil, err
		}
		g.sim = s
	}
	return g, nil
}

// closeStacks frees the listeners of stacks that will never run (New
// failed after opening them).
func (g *Gateway) closeStacks() {
	for _, l := range g.listeners {
		l.Close()
	}
	g.listeners = nil
	for _, pt := range g.mtps {
		for _, c := range pt.closers {
			c()
		}
		pt.closers = nil
	}
	if g.media != nil {
		g.media.socks.Close()
	}
}

func (g *Gateway) routes() *routeTable { return g.rt.Load() }

// Sim returns the in-process simulator (nil when the configuration runs
// none in process).
func (g *Gateway) Sim() *sim.Sim { return g.sim }

// Ready is closed once the gateway listens and its associations started.
func (g *Gateway) Ready() <-chan struct{} { return g.ready }

// SIPAddr returns the address the gateway listens on for network "udp",
// "tcp" or "tls" (after Ready).
func (g *Gateway) SIPAddr(network string) string { return g.addrs[network] }

func (g *Gateway) contactHdr(tr string) sip.Header {
	n := strings.ToLower(tr)
	port := g.ports[n]
	if port == 0 {
		port = g.ports["udp"]
	}
	u := sip.Uri{Scheme: "sip", User: "sipgw", Host: g.host, Port: port}
	if n == "tcp" || n == "tls" {
		u.UriParams = sip.NewParams()
		u.UriParams.Add("transport", n)
	}
	return &sip.ContactHeader{Address: u}
}

// clientTLS is the TLS configuration of the connections the gateway
// opens (trunks with transport tls): peers' certificates checked against
// sip.tls_ca (else the system's authorities) for the name or address
// dialled (sipgo sets ServerName per connection), TLS 1.2 at least, and
// the gateway's own certificate for peers that ask for a client's.
func (g *Gateway) clientTLS(cert *tls.Certificate) (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if cert != nil {
		c.Certificates = []tls.Certificate{*cert}
	}
	if f := g.cfg.SIP.TLSCA; f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("sip tls_ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("sip tls_ca: no PEM certificate in %s", f)
		}
		c.RootCAs = pool
	}
	return c, nil
}

// Run serves until ctx ends, then shuts down gracefully (no new calls,
// active calls released with cause 41, circuits reset, associations
// closed) within the configured deadline. It runs once.
func (g *Gateway) Run(ctx context.Context) error {
	err := errors.New("gateway: Run called twice")
	g.runOnce.Do(func() { err = g.run(ctx) })
	return err
}

func (g *Gateway) run(ctx context.Context) error {
	g.started0.Store(time.Now().UnixNano())
	// sipgo's default logger is process-wide: the first gateway sets it
	// (tests run several gateways in one process).
	sipLogOnce.Do(func() { sip.SetDefaultLogger(g.log.With("component", "sipgo")) })
	var cert *tls.Certificate
	if g.cfg.SIP.TLSCert != "" || g.cfg.SIP.TLSKey != "" {
		c, err := tls.LoadX509KeyPair(g.cfg.SIP.TLSCert, g.cfg.SIP.TLSKey)
		if err != nil {
			return fmt.Errorf("sip tls_cert, tls_key: %w", err)
		}
		cert = &c
	}
	clientTLS, err := g.clientTLS(cert)
	if err != nil {
		return err
	}
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("sipgw"), sipgo.WithUserAgentHostname(g.host),
		sipgo.WithUserAgenTLSConfig(clientTLS),
		sipgo.WithUserAgentTransactionLayerOptions(
			sip.WithTransactionLayerLogger(g.log.With("component", "sipgo")),
			sip.WithTransactionLayerUnhandledResponseHandler(func(*sip.Response) {})))
	if err != nil {
		return err
	}
	g.ua = ua
	// Listeners first: a port in use is an error at once.
	var closers []func()
	closeAll := func() {
		for _, c := range closers {
			c()
		}
	}
	serve := map[string]func() error{}
	if a := g.cfg.SIP.UDP; a != "" {
		c, err := net.ListenPacket("udp", a)
		if err != nil {
			ua.Close()
			return fmt.Errorf("sip udp %s: %w", a, err)
		}
		closers = append(closers, func() { c.Close() })
		if uc, ok := c.(*net.UDPConn); ok {
			// Bursts of INVITEs overflow the default 208 KiB socket buffer
			// before sipgo's reader runs; the kernel caps this at rmem_max.
			uc.SetReadBuffer(8 << 20)
			uc.SetWriteBuffer(8 << 20)
		}
		g.addrs["udp"] = c.LocalAddr().String()
		g.ports["udp"] = c.LocalAddr().(*net.UDPAddr).Port
		serve["udp"] = func() error { return ua.TransportLayer().ServeUDP(c) }
	}
	if a := g.cfg.SIP.TCP; a != "" {
		l, err := net.Listen("tcp", a)
		if err != nil {
			closeAll()
			ua.Close()
			return fmt.Errorf("sip tcp %s: %w", a, err)
		}
		closers = append(closers, func() { l.Close() })
		g.addrs["tcp"] = l.Addr().String()
		g.ports["tcp"] = l.Addr().(*net.TCPAddr).Port
		serve["tcp"] = func() error { return ua.TransportLayer().ServeTCP(l) }
	}
	if a := g.cfg.SIP.TLS; a != "" {
		if cert == nil {
			closeAll()
			ua.Close()
			return errors.New("sip tls: no tls_cert and tls_key")
		}
		l, err := tls.Listen("tcp", a, &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12})
		if err != nil {
			closeAll()
			ua.Close()
			return fmt.Errorf("sip tls %s: %w", a, err)
		}
		closers = append(closers, func() { l.Close() })
		g.addrs["tls"] = l.Addr().String()
		g.ports["tls"] = l.Addr().(*net.TCPAddr).Port
		serve["tls"] = func() error { return ua.TransportLayer().ServeTLS(l) }
	}
	cli, err := sipgo.NewClient(ua, sipgo.WithClientHostname(g.host))
	if err != nil {
		closeAll()
		ua.Close()
		return err
	}
	g.cli = cli
	ua.TransactionLayer().OnRequest(g.onRequest)
	var sipWG sync.WaitGroup
	for n, f := range serve {
		sipWG.Add(1)
		go func() {
			defer sipWG.Done()
			if err := f(); err != nil && !errors.Is(err, net.ErrClosed) {
				g.log.Debug("SIP listener ended", "transport", n, "err", err)
			}
		}()
	}

	// ISUP: the simulator, the stacks, the trunks' loops.
	bg, stopBG := context.WithCancel(context.Background())
	var simWG, stackWG, loopWG sync.WaitGroup
	simCtx, stopSim := context.WithCancel(context.Background())
	if g.sim != nil {
		simWG.Add(1)
		go func() { defer simWG.Done(); g.sim.Run(simCtx) }()
	}
	stackCtx, stopStacks := context.WithCancel(context.Background())
	for _, st := range g.stacks {
		stackWG.Add(1)
		go func() { defer stackWG.Done(); st.Run(stackCtx) }()
	}
	for _, pt := range g.mtps {
		stackWG.Add(1)
		go func() { defer stackWG.Done(); pt.st.Run(stackCtx) }()
	}
	waitMedia := func() {}
	if g.media != nil {
		waitMedia = g.media.run(bg)
	}
	loopCtx, stopLoops := context.WithCancel(context.Background())
	for _, t := range g.trunks {
		loopWG.Add(1)
		go func() { defer loopWG.Done(); t.run(loopCtx) }()
		// Start-up reset once the peer is reachable (Q.764 §2.9.3.2).
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			if t.stack.WaitRoute(bg, t.peer) == nil {
				t.do(bg, func() { t.drv.Request(time.Now(), q764.Request{Kind: q764.ReqStartup}) })
			}
		}()
	}
	for _, st := range g.sipTrunks {
		if st.cfg.Options > 0 && len(st.cfg.Peers) > 0 {
			g.wg.Add(1)
			go func() { defer g.wg.Done(); g.keepAlive(bg, st) }()
		}
	}
	g.accepting.Store(true)
	close(g.ready)
	g.log.Info("sipgw running", "sip", g.addrs, "isup_trunks", len(g.trunks))

	<-ctx.Done()

	// Graceful shutdown, once, within the deadline.
	deadline := g.cfg.Shutdown.D()
	if deadline <= 0 {
		deadline = 5 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	g.shutdown(sctx)
	stopBG()
	stopLoops()
	loopWG.Wait()
	waitMedia()
	stopStacks()
	stackWG.Wait()
	g.closeStacks() // the MTP links' descriptors and listeners
	stopSim()
	simWG.Wait()
	closeAll()
	ua.Close()
	sipWG.Wait()
	g.wg.Wait()
	g.log.Info("sipgw stopped")
	return nil
}

// shutdown stops taking calls, releases the active ones (cause 41,
// temporary failure: the gateway goes away, the callers may try another
// route), resets every circuit, and waits for both within ctx.
func (g *Gateway) shutdown(ctx context.Context) {
	g.accepting.Store(false)
	g.log.Info("shutting down", "calls", g.active.Load())
	for _, t := range g.trunks {
		t.do(ctx, func() { t.release(isup.CauseTemporaryFailure) })
	}
	for g.active.Load() > 0 && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	for _, t := range g.trunks {
		t.do(ctx, func() {
			if err := t.operator(q764.ReqReset, t.cfg.R.Group.Config().CICs); err != nil {
				t.log.Warn("reset at shutdown", "err", err)
			}
		})
	}
	for _, t := range g.trunks {
		for ctx.Err() == nil {
			var busy bool
			if t.do(ctx, func() {
				for _, s := range t.circuits() {
					busy = busy || s.State&(circuit.Resetting|circuit.BusyIncoming|circuit.BusyOutgoing) != 0
				}
			}) != nil || !busy {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if g.active.Load() > 0 {
		g.log.Warn("shutdown deadline: calls left", "calls", g.active.Load())
	}
}

// keepAlive sends OPTIONS to the trunk's peers every interval; a peer is
// up while it answers (any response), down after a transaction timeout.
func (g *Gateway) keepAlive(ctx context.Context, st *sipTrunk) {
	iv := st.cfg.Options.D()
	tk := time.NewTicker(iv)
	defer tk.Stop()
	for {
		up := false
		for _, p := range st.cfg.Peers {
			req := sip.NewRequest(sip.OPTIONS, sip.Uri{Scheme: "sip", Host: hostOf(p), Port: portOf(p)})
			req.SetTransport(st.cfg.R.Transport)
			req.SetDestination(p)
			req.AppendHeader(g.serverHdr)
			rctx, cancel := context.WithTimeout(ctx, min(iv, 32*g.t1))
			res, err := g.cli.Do(rctx, req)
			cancel()
			if err == nil && res != nil {
				up = true
			}
			if ctx.Err() != nil {
				return
			}
		}
		want := int32(peerDown)
		if up {
			want = peerUp
		}
		if st.peerUp.Swap(want) != want {
			st.peerSince.Store(time.Now().UnixNano())
			state := map[int32]string{peerUp: "up", peerDown: "down"}[want]
			g.log.Info("SIP peer state", "trunk", st.cfg.Name, "state", state)
			g.obs.PeerState(st.cfg.Name, state)
		}
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
	}
}

func hostOf(hp string) string {
	h, _, _ := net.SplitHostPort(hp)
	return h
}

func portOf(hp string) int {
	_, p, _ := net.SplitHostPort(hp)
	n, _ := strconv.Atoi(p)
	return n
}

func (g *Gateway) assocState(sigtran string, e m3ua.StateEvent) {
	k := sigtran + "/" + e.AS + "/" + strconv.Itoa(e.Assoc)
	state := "down"
	if e.Up {
		state = "up"
	}
	asp := e.Local.String()
	g.amu.Lock()
	g.assocs[k] = &ops.AssocStatus{Name: k, State: state, ASPState: asp, Since: time.Now()}
	g.amu.Unlock()
	g.obs.AssociationState(sigtran, e.AS, state, asp)
	if e.Err != nil {
		g.log.Info("M3UA association", "sigtran", sigtran, "as", e.AS, "state", state, "asp", asp, "err", e.Err)
	}
}

// started counts a new call.
func (g *Gateway) started(l *leg, t *trunk) {
	g.active.Add(1)
	l.phase = ops.PhaseSetup
	g.phases[ops.PhaseSetup].Add(1)
	g.obs.CallStarted(l.st.cfg.Name, t.name, l.dir.String())
}

// cdr turns a call's record into the ops CDR.
func (g *Gateway) cdr(t *trunk, e *entry, r *call.Record) {
	l := e.leg
	c := ops.CDR{ID: l.id, Direction: r.Direction.String(), SIPTrunk: l.st.cfg.Name, ISUPTrunk: t.name,
		Calling: r.Calling, Called: r.Called, CallID: l.callID, Start: r.Start, Alerted: r.Alerted,
		Answered: r.Answered, End: r.End, SIPStatus: r.Status, Cause: uint8(r.Cause),
		ReleasedBy: r.ReleasedBy.String(), Attempts: r.Attempts + l.attempt}
	if r.HasCIC {
		c.CIC = r.CIC
	}
	if !r.Answered.IsZero() {
		c.DurationMS = r.End.Sub(r.Answered).Milliseconds()
	}
	if l.dir == call.SIPToISUP {
		c.Start = l.start
	}
	g.ended(l, c)
}

// ended reports the end of call l with its CDR, once.
func (g *Gateway) ended(l *leg, c ops.CDR) {
	if l.ended {
		return
	}
	l.ended = true
	g.phases[l.phase].Add(-1)
	g.obs.CallEnded(c, l.phase, l.answered)
	if g.cdrSink != nil {
		g.cdrSink.WriteCDR(c)
	}
}

// ---------------------------------------------------------------------------
// ops.Gateway.

var _ ops.Gateway = (*Gateway)(nil)

func (g *Gateway) trunkNamed(name string) (*trunk, error) {
	i, ok := g.isupIdx[name]
	if !ok {
		return nil, fmt.Errorf("no ISUP trunk %q", name)
	}
	return g.trunks[i], nil
}

// Circuits lists the circuits of every ISUP trunk, or of one.
func (g *Gateway) Circuits(ctx context.Context, name string) ([]ops.TrunkCircuits, error) {
	var out []ops.TrunkCircuits
	for _, t := range g.trunks {
		if name != "" && t.name != name {
			continue
		}
		var cs []circuit.Status
		if err := t.do(ctx, func() { cs = t.circuits() }); err != nil {
			return nil, err
		}
		out = append(out, ops.TrunkCircuits{Trunk: t.name, Circuits: cs})
	}
	if name != "" && len(out) == 0 {
		return nil, fmt.Errorf("no ISUP trunk %q", name)
	}
	return out, nil
}

func (g *Gateway) operator(ctx context.Context, name string, kind q764.RequestKind, rs circuit.Ranges) error {
	t, err := g.trunkNamed(name)
	if err != nil {
		return err
	}
	if len(rs) == 0 {
		return errors.New("no CICs given")
	}
	var opErr error
	if err := t.do(ctx, func() { opErr = t.operator(kind, rs) }); err != nil {
		return err
	}
	return opErr
}

// Block blocks CICs for maintenance (BLO, CGB).
func (g *Gateway) Block(ctx context.Context, name string, rs circuit.Ranges) error {
	return g.operator(ctx, name, q764.ReqBlock, rs)
}

// Unblock unblocks CICs (UBL, CGU).
func (g *Gateway) Unblock(ctx context.Context, name string, rs circuit.Ranges) error {
	return g.operator(ctx, name, q764.ReqUnblock, rs)
}

// Reset resets CICs (RSC, GRS).
func (g *Gateway) Reset(ctx context.Context, name string, rs circuit.Ranges) error {
	return g.operator(ctx, name, q764.ReqReset, rs)
}

// Calls lists the calls in progress.
func (g *Gateway) Calls(ctx context.Context) ([]ops.CallInfo, error) {
	var out []ops.CallInfo
	for _, t := range g.trunks {
		if err := t.do(ctx, func() { out = t.callInfos(out) }); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DropCall releases call id with cause (16 when 0).
func (g *Gateway) DropCall(ctx context.Context, id string, cause uint8) error {
	if cause == 0 {
		cause = uint8(isup.CauseNormalClearing)
	}
	if cause > 127 {
		return fmt.Errorf("cause %d is outside 1–127", cause)
	}
	for _, t := range g.trunks {
		found := false
		if err := t.do(ctx, func() {
			for _, e := range t.calls {
				if e.leg.id == id {
					found = true
					t.feed(e, call.Event{Kind: call.EvRelease, Cause: isup.Cause(cause)})
					t.drain()
					return
				}
			}
		}); err != nil {
			return err
		}
		if found {
			return nil
		}
	}
	return fmt.Errorf("no call %q", id)
}

// ReloadRoutes re-reads the routes from the configuration file: the
// trunks must stay as they are (a restart changes them).
func (g *Gateway) ReloadRoutes(ctx context.Context) error {
	var c *config.Config
	var err error
	if g.cfg.File == config.DefaultName || g.cfg.File == "" {
		c, err = config.LoadDefault()
	} else {
		c, err = config.Load(g.cfg.File)
	}
	if err != nil {
		return err
	}
	for _, r := range c.Routes {
		for _, n := range append([]string{r.From}, r.To...) {
			_, a := g.isupIdx[n]
			_, b := g.sipIdx[n]
			if n != "" && !a && !b {
				return fmt.Errorf("route names trunk %q, which the running gateway does not have (restart to add trunks)", n)
			}
		}
	}
	g.rt.Store(g.compileRoutes(c.Routes))
	g.log.Info("routes reloaded", "routes", len(c.Routes))
	return nil
}

// Status summarises the gateway.
func (g *Gateway) Status(ctx context.Context) (ops.Status, error) {
	s := ops.Status{Version: g.version, Calls: int(g.active.Load())}
	if ns := g.started0.Load(); ns != 0 {
		s.Started = time.Unix(0, ns)
	}
	for p := range ops.NumPhases {
		s.Phases.Add(p, int(g.phases[p].Load()))
	}
	for _, st := range g.sipTrunks {
		ps := ops.PeerStatus{Trunk: st.cfg.Name, State: "unknown", Calls: int(st.active.Load())}
		switch st.peerUp.Load() {
		case peerUp:
			ps.State = "up"
		case peerDown:
			ps.State = "down"
		}
		if n := st.peerSince.Load(); n != 0 {
			ps.Since = time.Unix(0, n)
		}
		s.SIPTrunks = append(s.SIPTrunks, ps)
	}
	g.amu.Lock()
	for _, a := range g.assocs {
		s.Associations = append(s.Associations, *a)
	}
	g.amu.Unlock()
	return s, ctx.Err()
}
