module github.com/sipgw/sipgw

go 1.26.8

require (
	github.com/gopacket/gopacket v1.7.7
	github.com/ishidawataru/sctp v0.0.0-20251114114122-19ddcbc6aae2
	github.com/wmnsk/go-m3ua v0.1.11
	golang.org/x/sys v0.45.0
)

require golang.org/x/net v0.55.0 // indirect
