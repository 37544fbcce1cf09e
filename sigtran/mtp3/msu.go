package mtp3

// MSU is the MTP3 part of a message signal unit: the service information
// octet, the routing label and the user data (the signalling information
// field after the label, e.g. an ISUP message from its CIC on). This is the
// frame format of pcap link type 141 (DLT_MTP3).
type MSU struct {
	SIO   SIO
	Label Label
	// Data aliases the decoded input.
	Data []byte
}

// Len returns the encoded length of the MSU.
func (m *MSU) Len() int { return 1 + m.Label.Len() + len(m.Data) }

// Decode parses b. Set m.Label.Format (and SLS5) first. Data aliases b;
// nothing is allocated on success.
func (m *MSU) Decode(b []byte) error {
	if len(b) < 1 {
		return &Error{What: "MSU", Offset: 0, Err: ErrTruncated, Detail: "no service information octet"}
	}
	m.SIO = SIO(b[0])
	if err := m.Label.Decode(b[1:]); err != nil {
		if e, ok := err.(*Error); ok && e.Offset >= 0 {
			e.Offset++ // relative to the MSU, not the label
		}
		return err
	}
	n := 1 + m.Label.Len()
	m.Data = b[n:len(b):len(b)]
	return nil
}

// Append encodes the MSU and appends it to b.
func (m *MSU) Append(b []byte) []byte {
	b = append(b, byte(m.SIO))
	b = m.Label.Append(b)
	return append(b, m.Data...)
}

// Validate reports an MSU that Append would not encode as given.
func (m *MSU) Validate() error { return m.Label.Validate() }
