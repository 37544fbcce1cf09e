package gateway

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// Digest authentication of a trunk's INVITEs (RFC 3261 §22.4, RFC 2617
// MD5 with qop=auth), with the digest package sipgo itself uses for its
// client side. Nonces are stateless: a timestamp and its HMAC under a
// per-process secret, valid for nonceLife.

const nonceLife = 5 * time.Minute

func newSecret() []byte {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return b
}

func (st *sipTrunk) nonce(at time.Time) string {
	ts := strconv.FormatInt(at.Unix(), 16)
	m := hmac.New(sha256.New, st.secret)
	m.Write([]byte(ts))
	return ts + "." + hex.EncodeToString(m.Sum(nil)[:16])
}

func (st *sipTrunk) nonceValid(n string, now time.Time) bool {
	ts, _, ok := strings.Cut(n, ".")
	if !ok {
		return false
	}
	sec, err := strconv.ParseInt(ts, 16, 64)
	if err != nil {
		return false
	}
	at := time.Unix(sec, 0)
	if now.Sub(at) > nonceLife || at.After(now.Add(time.Minute)) {
		return false
	}
	return hmac.Equal([]byte(st.nonce(at)), []byte(n))
}

// challenge is the WWW-Authenticate value of a 401.
func (st *sipTrunk) challenge() string {
	c := digest.Challenge{Realm: st.cfg.Auth.Realm, Nonce: st.nonce(time.Now()), Algorithm: "MD5", QOP: []string{"auth"}}
	return c.String()
}

// authorized checks the request's Authorization against the trunk's
// credentials.
func (st *sipTrunk) authorized(req *sip.Request) bool {
	h := req.GetHeader("Authorization")
	if h == nil {
		return false
	}
	cred, err := digest.ParseCredentials(h.Value())
	if err != nil || cred.Username != st.cfg.Auth.Username || cred.Realm != st.cfg.Auth.Realm ||
		!st.nonceValid(cred.Nonce, time.Now()) {
		return false
	}
	alg := strings.ToUpper(cred.Algorithm)
	if alg != "" && alg != "MD5" {
		return false
	}
	chal := &digest.Challenge{Realm: cred.Realm, Nonce: cred.Nonce, Algorithm: cred.Algorithm, Opaque: cred.Opaque}
	if cred.QOP != "" {
		chal.QOP = []string{cred.QOP}
	}
	want, err := digest.Digest(chal, digest.Options{Method: string(req.Method), URI: cred.URI, Username: st.cfg.Auth.Username,
		Password: st.cfg.Auth.Password, Cnonce: cred.Cnonce, Count: cred.Nc})
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(want.Response), []byte(cred.Response)) == 1
}
