package metrics

import (
	"math"
	"os"
	"runtime"
	rm "runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The Go runtime's figures under the names the Prometheus Go client uses,
// so that existing dashboards work, read from runtime/metrics (which does
// not stop the world, unlike runtime.ReadMemStats).
var runtimeFamilies = []struct {
	name, key, help string
	typ             Type
}{
	{"go_goroutines", "/sched/goroutines:goroutines", "Number of goroutines that currently exist.", Gauge},
	{"go_sched_gomaxprocs_threads", "/sched/gomaxprocs:threads", "GOMAXPROCS.", Gauge},
	{"go_memstats_heap_alloc_bytes", "/memory/classes/heap/objects:bytes", "Bytes of allocated heap objects.", Gauge},
	{"go_memstats_sys_bytes", "/memory/classes/total:bytes", "Bytes of memory obtained from the OS.", Gauge},
	{"go_memstats_heap_released_bytes", "/memory/classes/heap/released:bytes", "Heap bytes released to the OS.", Gauge},
	{"go_memstats_alloc_bytes_total", "/gc/heap/allocs:bytes", "Total bytes allocated on the heap, even if freed.", Counter},
	{"go_memstats_mallocs_total", "/gc/heap/allocs:objects", "Total heap objects allocated.", Counter},
	{"go_gc_cycles_total", "/gc/cycles/total:gc-cycles", "Completed GC cycles.", Counter},
	{"go_gc_heap_goal_bytes", "/gc/heap/goal:bytes", "Heap size target for the end of the GC cycle.", Gauge},
}

var (
	rtOnce    sync.Once
	rtSamples []rm.Sample
	rtMu      sync.Mutex
	started   = time.Now()
)

func collectRuntime(e *Emitter) {
	rtOnce.Do(func() {
		known := map[string]bool{}
		for _, d := range rm.All() {
			known[d.Name] = true
		}
		for _, f := range runtimeFamilies {
			if known[f.key] {
				rtSamples = append(rtSamples, rm.Sample{Name: f.key})
			}
		}
	})
	rtMu.Lock()
	rm.Read(rtSamples)
	vals := map[string]float64{}
	for _, s := range rtSamples {
		switch s.Value.Kind() {
		case rm.KindUint64:
			vals[s.Name] = float64(s.Value.Uint64())
		case rm.KindFloat64:
			vals[s.Name] = s.Value.Float64()
		}
	}
	rtMu.Unlock()
	for _, f := range runtimeFamilies {
		if v, ok := vals[f.key]; ok {
			e.Family(f.name, f.typ, f.help)
			e.Sample(v)
		}
	}
	e.Family("go_info", Gauge, "Information about the Go environment.")
	e.Sample(1, "version", runtime.Version())

	// Process figures: CPU from getrusage, memory and descriptors from
	// /proc (Linux; left out elsewhere).
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		e.Family("process_cpu_seconds_total", Counter, "Total user and system CPU time spent in seconds.")
		e.Sample(cpu.Seconds())
	}
	if rss, ok := residentBytes(); ok {
		e.Family("process_resident_memory_bytes", Gauge, "Resident memory size in bytes.")
		e.Sample(rss)
	}
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		e.Family("process_open_fds", Gauge, "Number of open file descriptors.")
		e.Sample(float64(len(fds)))
	}
	e.Family("process_start_time_seconds", Gauge, "Start time of the process since unix epoch in seconds (as this package first saw it).")
	e.Sample(float64(started.UnixMilli()) / 1000)
}

// residentBytes reads the resident set from /proc/self/statm (pages).
func residentBytes() (float64, bool) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return float64(pages) * float64(os.Getpagesize()), true
}

func nan() float64 { return math.NaN() }
