package pcapfile

import "strconv"

// Link types (LINKTYPE_ values of the tcpdump.org registry) the analyzer
// decodes. A frame's link type is a plain uint16, as in the file.
const (
	LinkTypeNull         uint16 = 0   // BSD loopback, host-order address family
	LinkTypeEthernet     uint16 = 1   // IEEE 802.3 Ethernet
	LinkTypeRaw          uint16 = 101 // raw IPv4 or IPv6, version from the first nibble
	LinkTypeLoop         uint16 = 108 // OpenBSD loopback, network-order address family
	LinkTypeLinuxSLL     uint16 = 113 // Linux "cooked" capture v1
	LinkTypeMTP2WithPHdr uint16 = 139 // MTP2 with a 4-octet pseudo-header
	LinkTypeMTP2         uint16 = 140 // MTP2 signal unit without FCS
	LinkTypeMTP3         uint16 = 141 // MTP3 MSU: SIO, routing label, user part
	LinkTypeIPv4         uint16 = 228 // raw IPv4
	LinkTypeIPv6         uint16 = 229 // raw IPv6
	LinkTypeLinuxSLL2    uint16 = 276 // Linux "cooked" capture v2
)

// LinkTypeName returns the registry name of a link type ("ETHERNET",
// "LINUX_SLL"), or "LINKTYPE_<n>" for one the analyzer does not decode.
func LinkTypeName(lt uint16) string {
	switch lt {
	case LinkTypeNull:
		return "NULL"
	case LinkTypeEthernet:
		return "ETHERNET"
	case LinkTypeRaw:
		return "RAW"
	case LinkTypeLoop:
		return "LOOP"
	case LinkTypeLinuxSLL:
		return "LINUX_SLL"
	case LinkTypeMTP2WithPHdr:
		return "MTP2_WITH_PHDR"
	case LinkTypeMTP2:
		return "MTP2"
	case LinkTypeMTP3:
		return "MTP3"
	case LinkTypeIPv4:
		return "IPV4"
	case LinkTypeIPv6:
		return "IPV6"
	case LinkTypeLinuxSLL2:
		return "LINUX_SLL2"
	}
	return "LINKTYPE_" + strconv.Itoa(int(lt))
}
