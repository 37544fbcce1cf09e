package pcapfile

import "testing"

func TestLinkTypeName(t *testing.T) {
	for lt, want := range map[uint16]string{
		LinkTypeNull: "NULL", LinkTypeEthernet: "ETHERNET", LinkTypeRaw: "RAW", LinkTypeLoop: "LOOP",
		LinkTypeLinuxSLL: "LINUX_SLL", LinkTypeMTP2WithPHdr: "MTP2_WITH_PHDR", LinkTypeMTP2: "MTP2",
		LinkTypeMTP3: "MTP3", LinkTypeIPv4: "IPV4", LinkTypeIPv6: "IPV6", LinkTypeLinuxSLL2: "LINUX_SLL2",
		147: "LINKTYPE_147",
	} {
		if got := LinkTypeName(lt); got != want {
			t.Errorf("LinkTypeName(%d) = %q, want %q", lt, got, want)
		}
	}
	for f, want := range map[Format]string{FormatPcap: "pcap", FormatPcapNG: "pcapng", 0: "unknown"} {
		if f.String() != want {
			t.Errorf("%d: %q", f, f.String())
		}
	}
}
