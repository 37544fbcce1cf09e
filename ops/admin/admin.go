// Package admin is the gateway's administration HTTP API, meant for
// localhost and `sipgw ctl`:
//
//	GET    /v1/health                       {"status":"ok"}
//	GET    /v1/status                       ops.Status
//	GET    /v1/circuits[?trunk=T]           [TrunkCircuits]
//	POST   /v1/circuits/block               {"trunk":"T","cics":"1-15,17"} → CircuitResult
//	POST   /v1/circuits/unblock             likewise
//	POST   /v1/circuits/reset               likewise
//	GET    /v1/calls                        [ops.CallInfo]
//	DELETE /v1/calls/{id}[?cause=N]         DropResult (cause 1–127, default 16)
//	POST   /v1/routes/reload                {"reloaded":true}
//	GET    /metrics                         when Options.Metrics is set
//
// Every request carries "Authorization: Bearer TOKEN", TOKEN being the
// content of the token file (surrounding white space ignored), compared in
// constant time. New refuses a token file that is missing, empty, shorter
// than MinTokenLen, not a regular file, or readable or writable by others
// (mode & 0o006): a token anyone on the host can read protects nothing.
// Listen refuses addresses that are not loopback unless AllowRemote is set.
//
// Errors are JSON (Error) with a status: 400 bad request, 401 no or wrong
// token, 404 unknown path, trunk or call, 405 wrong method, 422 a CIC not in
// the trunk or a request the gateway refuses (ops.ErrInvalid), 503 gateway
// unavailable, 504 the gateway did not answer within RequestTimeout, 500
// anything else.
package admin

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sipgw/sipgw/isup/circuit"
	"github.com/sipgw/sipgw/ops"
)

// Defaults shared with `sipgw ctl`.
const (
	DefaultAddr      = "127.0.0.1:9060"
	DefaultTokenFile = "/etc/sipgw/admin.token"
	MinTokenLen      = 16
)

// Options configure New.
type Options struct {
	// Metrics, when set, is served at GET /metrics.
	Metrics http.Handler
	// MetricsWithoutToken serves /metrics without a token (for a scraper
	// that cannot send one; Prometheus can: authorization.credentials_file).
	MetricsWithoutToken bool
	// RequestTimeout bounds each request's wait for the gateway (default
	// 10 s).
	RequestTimeout time.Duration
	// Logger logs requests (debug) and refused tokens (warn). Default
	// slog.Default().
	Logger *slog.Logger
}

type server struct {
	gw      ops.Gateway
	sum     [sha256.Size]byte
	o       Options
	metrics http.Handler
}

// New returns the API's handler for gw, guarded by the token in tokenFile.
func New(gw ops.Gateway, tokenFile string, o Options) (http.Handler, error) {
	tok, err := ReadToken(tokenFile)
	if err != nil {
		return nil, err
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	s := &server{gw: gw, sum: sha256.Sum256([]byte(tok)), o: o, metrics: o.Metrics}
	return s, nil
}

// ReadToken reads and checks a token file (see the package doc).
func ReadToken(path string) (string, error) {
	if path == "" {
		return "", errors.New("admin: no token file configured")
	}
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("admin: token file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("admin: token file %s: not a regular file", path)
	}
	if st.Mode().Perm()&0o006 != 0 {
		return "", fmt.Errorf("admin: token file %s: mode %04o lets other users read or write it; chmod 600 (or 640) it", path, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("admin: token file: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if len(tok) < MinTokenLen {
		return "", fmt.Errorf("admin: token file %s: token shorter than %d characters (e.g. head -c 24 /dev/urandom | base64 > %s)", path, MinTokenLen, path)
	}
	if strings.ContainsAny(tok, " \t\r\n") {
		return "", fmt.Errorf("admin: token file %s: the token holds white space; one line expected", path)
	}
	return tok, nil
}

func (s *server) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return false
	}
	// Comparing digests keeps the comparison constant-time whatever the
	// length of what was sent.
	sum := sha256.Sum256([]byte(strings.TrimSpace(tok)))
	return subtle.ConstantTimeCompare(sum[:], s.sum[:]) == 1
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w, code: 200}
	s.serve(sw, r)
	s.o.Logger.Debug("admin request", "method", r.Method, "path", r.URL.Path, "status", sw.code,
		"duration", time.Since(start), "remote", r.RemoteAddr)
}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/metrics" && s.metrics != nil && s.o.MetricsWithoutToken {
		s.metrics.ServeHTTP(w, r)
		return
	}
	if !s.authorized(r) {
		s.o.Logger.Warn("admin request refused: no or wrong token", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
		w.Header().Set("WWW-Authenticate", `Bearer realm="sipgw"`)
		writeError(w, http.StatusUnauthorized, CodeUnauthorized, "missing or wrong bearer token")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.o.RequestTimeout)
	defer cancel()
	r = r.WithContext(ctx)

	p := r.URL.Path
	switch {
	case p == "/metrics" && s.metrics != nil:
		s.metrics.ServeHTTP(w, r)
	case p == "/v1/health":
		if method(w, r, http.MethodGet) {
			writeJSON(w, http.StatusOK, Health{Status: "ok"})
		}
	case p == "/v1/status":
		if method(w, r, http.MethodGet) {
			st, err := s.gw.Status(ctx)
			s.reply(w, st, err)
		}
	case p == "/v1/circuits":
		if method(w, r, http.MethodGet) {
			tcs, err := s.gw.Circuits(ctx, r.URL.Query().Get("trunk"))
			if err != nil {
				s.reply(w, nil, err)
				return
			}
			writeJSON(w, http.StatusOK, WireCircuits(tcs))
		}
	case strings.HasPrefix(p, "/v1/circuits/"):
		action := strings.TrimPrefix(p, "/v1/circuits/")
		var f func(context.Context, string, circuit.Ranges) error
		switch action {
		case "block":
			f = s.gw.Block
		case "unblock":
			f = s.gw.Unblock
		case "reset":
			f = s.gw.Reset
		default:
			writeError(w, http.StatusNotFound, CodeNotFound, "no such circuit action "+strconv.Quote(action)+": block, unblock or reset")
			return
		}
		if method(w, r, http.MethodPost) {
			s.circuits(w, r, action, f)
		}
	case p == "/v1/calls":
		if method(w, r, http.MethodGet) {
			calls, err := s.gw.Calls(ctx)
			if calls == nil {
				calls = []ops.CallInfo{}
			}
			s.reply(w, calls, err)
		}
	case strings.HasPrefix(p, "/v1/calls/"):
		if method(w, r, http.MethodDelete) {
			s.drop(w, r, strings.TrimPrefix(p, "/v1/calls/"))
		}
	case p == "/v1/routes/reload":
		if method(w, r, http.MethodPost) {
			err := s.gw.ReloadRoutes(ctx)
			s.reply(w, map[string]bool{"reloaded": true}, err)
		}
	default:
		writeError(w, http.StatusNotFound, CodeNotFound, "no such endpoint "+strconv.Quote(p))
	}
}

func method(w http.ResponseWriter, r *http.Request, m string) bool {
	if r.Method == m || (m == http.MethodGet && r.Method == http.MethodHead) {
		return true
	}
	w.Header().Set("Allow", m)
	writeError(w, http.StatusMethodNotAllowed, CodeMethod, r.Method+" "+r.URL.Path+": use "+m)
	return false
}

func (s *server) circuits(w http.ResponseWriter, r *http.Request, action string, f func(context.Context, string, circuit.Ranges) error) {
	var req CircuitRequest
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Trunk == "" {
		writeError(w, http.StatusBadRequest, CodeBadRequest, `"trunk" is required`)
		return
	}
	rs, err := circuit.ParseRanges(req.CICs)
	if err == nil {
		err = rs.Validate(circuit.ANSI) // the widest CIC; the trunk checks its own
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, CodeBadRequest, fmt.Sprintf(`"cics" %q: %v`, req.CICs, err))
		return
	}
	if err := f(r.Context(), req.Trunk, rs); err != nil {
		s.reply(w, nil, err)
		return
	}
	s.o.Logger.Info("circuits "+action, "trunk", req.Trunk, "cics", rs.String(), "remote", r.RemoteAddr)
	writeJSON(w, http.StatusOK, CircuitResult{Action: action, Trunk: req.Trunk, CICs: rs.String(), Count: rs.Len()})
}

func (s *server) drop(w http.ResponseWriter, r *http.Request, id string) {
	if id == "" || strings.Contains(id, "/") {
		writeError(w, http.StatusNotFound, CodeNotFound, "no call id in the path: DELETE /v1/calls/{id}")
		return
	}
	cause := uint8(16)
	if c := r.URL.Query().Get("cause"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 1 || n > 127 {
			writeError(w, http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("cause %q: want a Q.850 cause value, 1 to 127", c))
			return
		}
		cause = uint8(n)
	}
	if err := s.gw.DropCall(r.Context(), id, cause); err != nil {
		s.reply(w, nil, err)
		return
	}
	s.o.Logger.Info("call dropped by operator", "id", id, "cause", cause, "remote", r.RemoteAddr)
	writeJSON(w, http.StatusOK, DropResult{ID: id, Cause: cause})
}

// reply writes v, or the error with the status its kind calls for.
func (s *server) reply(w http.ResponseWriter, v any, err error) {
	if err == nil {
		writeJSON(w, http.StatusOK, v)
		return
	}
	code, kind := http.StatusInternalServerError, CodeInternal
	switch {
	case errors.Is(err, ops.ErrUnknownTrunk):
		code, kind = http.StatusNotFound, CodeUnknownTrunk
	case errors.Is(err, ops.ErrUnknownCall):
		code, kind = http.StatusNotFound, CodeUnknownCall
	case errors.Is(err, circuit.ErrUnknownCIC):
		code, kind = http.StatusUnprocessableEntity, CodeUnknownCIC
	case errors.Is(err, ops.ErrInvalid):
		code, kind = http.StatusUnprocessableEntity, CodeInvalid
	case errors.Is(err, ops.ErrUnavailable):
		code, kind = http.StatusServiceUnavailable, CodeUnavailable
	case errors.Is(err, context.DeadlineExceeded):
		code, kind = http.StatusGatewayTimeout, CodeTimeout
		err = fmt.Errorf("the gateway did not answer within %v", s.o.RequestTimeout)
	case errors.Is(err, context.Canceled):
		code, kind = http.StatusServiceUnavailable, CodeUnavailable
	default:
		s.o.Logger.Error("admin request failed", "err", err)
	}
	writeError(w, code, kind, err.Error())
}

const maxBody = 64 << 10

func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	d := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		msg := "request body: " + err.Error()
		if errors.Is(err, io.EOF) {
			msg = `request body: empty; want {"trunk": "…", "cics": "1-15,17"}`
		}
		writeError(w, http.StatusBadRequest, CodeBadRequest, msg)
		return false
	}
	if d.More() {
		writeError(w, http.StatusBadRequest, CodeBadRequest, "request body: more than one JSON value")
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"code":"internal","error":"response not encodable"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, code int, kind, msg string) {
	writeJSON(w, code, Error{Code: kind, Error: msg})
}

// ServeOptions configure Listen and Serve.
type ServeOptions struct {
	// AllowRemote permits an address that is not loopback.
	AllowRemote bool
	// ShutdownTimeout is how long Serve waits for requests in flight once
	// ctx ends (default 5 s).
	ShutdownTimeout time.Duration
}

// Listen opens the API's socket, refusing addresses other than loopback
// ones (127.0.0.0/8, ::1, "localhost") unless o.AllowRemote.
func Listen(addr string, o ServeOptions) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("admin: address %q: %w", addr, err)
	}
	if !o.AllowRemote && !isLoopback(host) {
		return nil, fmt.Errorf("admin: address %q is not a loopback address; the admin API is meant for localhost (allow remote binds explicitly to override)", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("admin: %w", err)
	}
	return ln, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Serve listens on addr (see Listen) and serves h until ctx ends, then
// shuts down gracefully.
func Serve(ctx context.Context, addr string, h http.Handler, o ServeOptions) error {
	ln, err := Listen(addr, o)
	if err != nil {
		return err
	}
	return ServeListener(ctx, ln, h, o)
}

// ServeListener serves h on ln until ctx ends. Header, body and idle
// timeouts keep slow clients from holding connections.
func ServeListener(ctx context.Context, ln net.Listener, h http.Handler, o ServeOptions) error {
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 5 * time.Second
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("admin: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), o.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if e := <-errc; !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	return err
}
