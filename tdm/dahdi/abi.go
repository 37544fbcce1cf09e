package dahdi

import "encoding/binary"

// The kernel ABI of DAHDI, from include/dahdi/user.h of dahdi-linux (the
// header Debian ships in dahdi-source, /usr/include/dahdi/user.h):
// ioctl numbers are _IOC(dir, 'DAHDI_CODE' 0xDA, nr, size) as Linux's
// asm-generic/ioctl.h builds them; structs are laid out as C lays them
// out on Linux (int = 4 octets, native byte order; dahdi_spaninfo is
// __attribute__((packed))). TestABIAgainstHeader compiles the header with
// gcc and compares every value here with it.

const dahdiCode = 0xDA

// Linux asm-generic/ioctl.h: nr bits 0–7, type 8–15, size 16–29, dir 30–31.
const (
	iocWrite = 1
	iocRead  = 2
)

func ioc(dir, nr, size uint32) uint32 { return dir<<30 | size<<16 | dahdiCode<<8 | nr }

// Struct sizes (user.h).
const (
	sizeofInt        = 4
	sizeofParams     = 136 // struct dahdi_params: 12 ints, char name[40], 11 ints, __u32 chan_alarms
	sizeofSpanInfo   = 314 // struct dahdi_spaninfo, packed
	sizeofBufferInfo = 24  // struct dahdi_bufferinfo: 6 ints
)

// ioctl requests used here (user.h names).
var (
	ioctlGetBlocksize = ioc(iocRead, 1, sizeofInt)                // DAHDI_GET_BLOCKSIZE
	ioctlSetBlocksize = ioc(iocWrite, 1, sizeofInt)               // DAHDI_SET_BLOCKSIZE
	ioctlFlush        = ioc(iocWrite, 3, sizeofInt)               // DAHDI_FLUSH
	ioctlGetParams    = ioc(iocRead|iocWrite, 5, sizeofParams)    // DAHDI_GET_PARAMS
	ioctlGetEvent     = ioc(iocRead, 8, sizeofInt)                // DAHDI_GETEVENT
	ioctlSpanStat     = ioc(iocRead|iocWrite, 10, sizeofSpanInfo) // DAHDI_SPANSTAT
	ioctlSetBufInfo   = ioc(iocWrite, 27, sizeofBufferInfo)       // DAHDI_SET_BUFINFO
	ioctlAudioMode    = ioc(iocWrite, 32, sizeofInt)              // DAHDI_AUDIOMODE
	ioctlChanNo       = ioc(iocRead, 34, sizeofInt)               // DAHDI_CHANNO
	ioctlHDLCFCSMode  = ioc(iocWrite, 37, sizeofInt)              // DAHDI_HDLCFCSMODE
	ioctlSpecify      = ioc(iocWrite, 38, sizeofInt)              // DAHDI_SPECIFY
)

// Ioctl request numbers by their user.h names, for the fake device and
// the header check.
var Ioctls = map[string]uint32{
	"DAHDI_GET_BLOCKSIZE": ioctlGetBlocksize, "DAHDI_SET_BLOCKSIZE": ioctlSetBlocksize,
	"DAHDI_FLUSH": ioctlFlush, "DAHDI_GET_PARAMS": ioctlGetParams, "DAHDI_GETEVENT": ioctlGetEvent,
	"DAHDI_SPANSTAT": ioctlSpanStat, "DAHDI_SET_BUFINFO": ioctlSetBufInfo, "DAHDI_AUDIOMODE": ioctlAudioMode,
	"DAHDI_CHANNO": ioctlChanNo, "DAHDI_HDLCFCSMODE": ioctlHDLCFCSMode, "DAHDI_SPECIFY": ioctlSpecify,
}

// Field offsets (user.h), checked against offsetof by the header test.
const (
	ParamsChanNo     = 0
	ParamsSpanNo     = 4
	ParamsChanPos    = 8
	ParamsSigType    = 12
	ParamsCurLaw     = 40
	ParamsName       = 48
	ParamsChanAlarms = 132

	SpanInfoSpanNo     = 0
	SpanInfoName       = 4
	SpanInfoDesc       = 24
	SpanInfoAlarms     = 64
	SpanInfoNumChans   = 120
	SpanInfoTotalChans = 124
	SpanInfoLineConfig = 136
	SpanInfoSpanType   = 308

	BufInfoTxPolicy = 0
	BufInfoRxPolicy = 4
	BufInfoNumBufs  = 8
	BufInfoBufSize  = 12
)

// Signalling types (user.h DAHDI_SIG_*).
const (
	SigClear    = 1 << 7
	SigHDLCRaw  = 1<<8 | SigClear
	SigHDLCFCS  = 1<<9 | SigHDLCRaw
	SigHDLCNet  = 1<<10 | SigHDLCFCS
	SigMTP2     = 1<<20 | SigHDLCFCS
	SigHardHDLC = 1<<19 | SigClear
)

// Laws (DAHDI_LAW_*), buffer policy, events, alarms (user.h).
const (
	LawMuLaw = 1
	LawALaw  = 2

	PolicyImmediate = 0

	EventAlarm   = 4
	EventNoAlarm = 5
	EventAbort   = 6
	EventOverrun = 7
	EventBadFCS  = 8

	AlarmRecover  = 1 << 0
	AlarmLoopback = 1 << 1
	AlarmYellow   = 1 << 2
	AlarmRed      = 1 << 3
	AlarmBlue     = 1 << 4
	AlarmNotOpen  = 1 << 5
	AlarmLOS      = 1 << 8
	AlarmLFA      = 1 << 9
	AlarmLMFA     = 1 << 10
)

// ELAST is the errno DAHDI returns from read and write while an event is
// queued on the channel (user.h: ELAST 500 where the C library has none).
const ELAST = 500

var ne = binary.NativeEndian

func putInt(b []byte, off int, v int32) { ne.PutUint32(b[off:], uint32(v)) }
func getInt(b []byte, off int) int32    { return int32(ne.Uint32(b[off:])) }

func intArg(v int32) []byte {
	b := make([]byte, sizeofInt)
	putInt(b, 0, v)
	return b
}

func cstring(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// ABI returns every value of the kernel interface this package relies on
// by name, for TestABIAgainstHeader to compare with the header.
func ABI() map[string]uint32 {
	m := map[string]uint32{
		"ParamsChanNo": ParamsChanNo, "ParamsSpanNo": ParamsSpanNo, "ParamsChanPos": ParamsChanPos,
		"ParamsSigType": ParamsSigType, "ParamsCurLaw": ParamsCurLaw, "ParamsName": ParamsName,
		"ParamsChanAlarms": ParamsChanAlarms, "SpanInfoSpanNo": SpanInfoSpanNo, "SpanInfoName": SpanInfoName,
		"SpanInfoDesc": SpanInfoDesc, "SpanInfoAlarms": SpanInfoAlarms, "SpanInfoNumChans": SpanInfoNumChans,
		"SpanInfoTotalChans": SpanInfoTotalChans, "SpanInfoLineConfig": SpanInfoLineConfig,
		"SpanInfoSpanType": SpanInfoSpanType, "BufInfoTxPolicy": BufInfoTxPolicy, "BufInfoRxPolicy": BufInfoRxPolicy,
		"BufInfoNumBufs": BufInfoNumBufs, "BufInfoBufSize": BufInfoBufSize,
		"SigClear": SigClear, "SigHDLCRaw": SigHDLCRaw, "SigHDLCFCS": SigHDLCFCS, "SigHDLCNet": SigHDLCNet,
		"SigMTP2": SigMTP2, "SigHardHDLC": SigHardHDLC, "LawMuLaw": LawMuLaw, "LawALaw": LawALaw,
		"PolicyImmediate": PolicyImmediate, "EventAlarm": EventAlarm, "EventNoAlarm": EventNoAlarm,
		"EventAbort": EventAbort, "EventOverrun": EventOverrun, "EventBadFCS": EventBadFCS,
		"AlarmRecover": AlarmRecover, "AlarmLoopback": AlarmLoopback, "AlarmYellow": AlarmYellow,
		"AlarmRed": AlarmRed, "AlarmBlue": AlarmBlue, "AlarmNotOpen": AlarmNotOpen, "AlarmLOS": AlarmLOS,
		"AlarmLFA": AlarmLFA, "AlarmLMFA": AlarmLMFA, "ELAST": ELAST,
		"sizeofParams": sizeofParams, "sizeofSpanInfo": sizeofSpanInfo, "sizeofBufferInfo": sizeofBufferInfo,
	}
	for n, v := range Ioctls {
		m[n] = v
	}
	return m
}
