module github.com/sipgw/sipgw

go 1.26.8

require (
	github.com/gopacket/gopacket v1.7.7
	github.com/wmnsk/go-m3ua v0.1.11
	golang.org/x/sys v0.45.0
	gopkg.in/yaml.v3 v3.0.1
)

require (
	github.com/kr/pretty v0.3.1 // indirect
	github.com/rogpeppe/go-internal v1.12.0 // indirect
	golang.org/x/net v0.55.0 // indirect
	gopkg.in/check.v1 v1.0.0-20201130134442-10cb98267c6c // indirect
)
