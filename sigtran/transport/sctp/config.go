package sctp

import (
	"errors"
	"fmt"
	"syscall"
	"time"
)

// DefaultStreams is the stream count asked for each way when Config leaves
// it 0: stream 0 for M3UA management (RFC 4666 §1.4.7) and 16 for DATA,
// one per value of a 4-bit ITU SLS.
const DefaultStreams = 17

// Config is what this end asks for when an association is set up.
type Config struct {
	// OutStreams is the number of outbound streams requested
	// (sinit_num_ostreams); the peer may grant fewer. 0: DefaultStreams.
	OutStreams uint16
	// InStreams is the most inbound streams accepted
	// (sinit_max_instreams). 0: DefaultStreams.
	InStreams uint16
	// MaxInitAttempts and InitTimeout bound the INIT retransmissions
	// (sinit_max_attempts, sinit_max_init_timeo). 0: the kernel's.
	MaxInitAttempts uint16
	InitTimeout     time.Duration
	// Nagle leaves Nagle's algorithm on (SCTP_NODELAY 0). Only to show the
	// delay it causes; M3UA signalling wants it off.
	Nagle bool
}

func (c Config) initMsg() (initMsg, error) {
	m := initMsg{OutStreams: c.OutStreams, MaxInStreams: c.InStreams, MaxAttempts: c.MaxInitAttempts}
	if m.OutStreams == 0 {
		m.OutStreams = DefaultStreams
	}
	if m.MaxInStreams == 0 {
		m.MaxInStreams = DefaultStreams
	}
	if c.InitTimeout < 0 || c.InitTimeout > 65535*time.Millisecond {
		return m, fmt.Errorf("sctp: InitTimeout %v outside 0..65.535 s", c.InitTimeout)
	}
	m.MaxInitTimeout = uint16(c.InitTimeout / time.Millisecond)
	return m, nil
}

// ErrNoKernelSCTP is wrapped by the error of every constructor on a kernel
// without SCTP, together with the system's error (EPROTONOSUPPORT).
var ErrNoKernelSCTP = errors.New("sctp: the kernel has no SCTP (is the sctp module loaded?)")

// socketError wraps the error of socket(2).
func socketError(err error) error {
	if errors.Is(err, syscall.EPROTONOSUPPORT) || errors.Is(err, syscall.ESOCKTNOSUPPORT) {
		return fmt.Errorf("%w: socket: %w", ErrNoKernelSCTP, err)
	}
	return fmt.Errorf("sctp: socket: %w", err)
}
