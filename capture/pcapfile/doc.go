// Package pcapfile reads and writes capture files for the analyzer: pcap
// (microsecond, nanosecond and the "modified" format, either byte order)
// and pcapng (several sections and interfaces, each frame with its own
// link type), plain or gzip-compressed, from files or standard input.
//
// It is written by hand rather than on gopacket's pcapgo reader because the
// analyzer needs what pcapgo does not give:
//
//   - each frame's byte offset, so a message's text can be re-read later
//     (ReadFrame), also for stdin and gzip input, which are spooled while
//     they are read;
//   - frames read in batches straight into reusable buffers that worker
//     goroutines decode in parallel, with no copy per frame and no
//     allocation in steady state;
//   - resynchronisation after a corrupt record (pcapgo stops at the first);
//   - nanosecond timestamps across pcapng interfaces with if_tsresol
//     (powers of 10 and of 2) and if_tsoffset.
//
// Writing uses pcapgo, which does that well.
package pcapfile
