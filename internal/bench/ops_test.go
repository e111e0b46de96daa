package bench

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/metrics"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
	"github.com/dailypapers/dailypapers/internal/web"
)

// loopbackRate loads h over loopback HTTP from 16 keep-alive connections
// for d with random paths, and returns the requests answered per second
// and the process's CPU time per request (server and load generator),
// which other work on the machine does not inflate as it does the rate.
func loopbackRate(b *testing.B, h http.Handler, paths []string, d time.Duration) (rate float64, cpu time.Duration) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	const conns = 16
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
	defer client.CloseIdleConnections()
	cpu0 := processCPU()
	n := getUntil(b, client, base, paths, conns, time.Now().Add(d))
	return float64(n) / d.Seconds(), (processCPU() - cpu0) / time.Duration(max(n, 1))
}

// BenchmarkFeedPageLoopbackMetrics is BenchmarkFeedPageLoopback three
// ways: without metrics, with them (as --metrics-addr turns them on), and
// with them and the access log (text lines to a discarding writer, so the
// formatting is measured but not a disk). Each way has a site of its own,
// whose page cache is filled first with every feed day and, its clock
// standing still, keeps them. The machine is
// shared and noisy, so the three take turns in windows of one second, 30
// rounds with the order rotating, and each round is compared with the
// round's run without metrics: X-cost-% is the median of those
// differences in pages a second (positive: fewer with X), X-cpu-cost-% the
// same in CPU time per page, which the machine's other work disturbs far
// less. Each way's median pages a second and CPU microseconds a page are
// reported too.
func BenchmarkFeedPageLoopbackMetrics(b *testing.B) {
	st := benchStore(b)
	days, _ := feedPaths(b, st)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	variants := []struct {
		name string
		opt  web.Options
	}{
		{"none", web.Options{Logger: quiet}},
		{"metrics", web.Options{Logger: quiet, Metrics: metrics.New()}},
		{"metrics+log", web.Options{Logger: quiet, Metrics: metrics.New(), AccessLog: true}},
	}
	// A clock that stands still: cached pages are rendered again after a
	// minute, and each site's would expire at another time.
	now := time.Now()
	handlers := make([]http.Handler, len(variants))
	for i, v := range variants {
		v.opt.Now = func() time.Time { return now }
		handlers[i] = newHandler(b, st, v.opt)
		for _, day := range days { // every day page in the cache
			if w := httptestGet(handlers[i], day); w != http.StatusOK {
				b.Fatalf("GET %s: %d", day, w)
			}
		}
	}
	const rounds = 30
	b.ResetTimer()
	for range b.N {
		rates := make([][]float64, len(variants))
		cpus := make([][]float64, len(variants))
		costs := make([][]float64, len(variants))
		cpuCosts := make([][]float64, len(variants))
		for r := range rounds {
			rate := make([]float64, len(variants))
			cpu := make([]float64, len(variants))
			for k := range variants {
				i := (r + k) % len(variants)
				var c time.Duration
				rate[i], c = loopbackRate(b, handlers[i], days, time.Second)
				cpu[i] = float64(c.Nanoseconds()) / 1e3
				rates[i] = append(rates[i], rate[i])
				cpus[i] = append(cpus[i], cpu[i])
			}
			for i := range variants {
				costs[i] = append(costs[i], 100*(rate[0]-rate[i])/rate[0])
				cpuCosts[i] = append(cpuCosts[i], 100*(cpu[i]-cpu[0])/cpu[0])
			}
		}
		for i, v := range variants {
			b.ReportMetric(median(rates[i]), v.name+"-req/s")
			b.ReportMetric(median(cpus[i]), v.name+"-cpu-us/req")
			if i > 0 {
				b.ReportMetric(median(costs[i]), v.name+"-cost-%")
				b.ReportMetric(median(cpuCosts[i]), v.name+"-cpu-cost-%")
			}
			b.Logf("%s: rates %.0f", v.name, rates[i])
		}
	}
	b.ReportMetric(0, "ns/op")
}

// httptestGet serves one GET in process and returns its status.
func httptestGet(h http.Handler, path string) int {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	return w.Code
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	for i := range s { // insertion sort: a handful of rounds
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// BenchmarkBackupRestore backs up the benchmark database (a copy of it)
// while the store has it open, as `dailypapers backup` does beside a
// running serve, then restores the backup into a new directory with its
// full integrity check, as `dailypapers restore` does: the seconds of
// each and the backup's size.
func BenchmarkBackupRestore(b *testing.B) {
	benchStore(b) // open, as serve would have it
	for i := range b.N {
		dir := b.TempDir()
		to := filepath.Join(dir, fmt.Sprintf("backup-%d.db", i))
		start := time.Now()
		info, err := sqlite.Backup(b.Context(), siteDB, to)
		if err != nil {
			b.Fatal(err)
		}
		backup := time.Since(start)
		start = time.Now()
		if _, err := sqlite.Restore(b.Context(), to, filepath.Join(dir, "restored", "dailypapers.db")); err != nil {
			b.Fatal(err)
		}
		restore := time.Since(start)
		src, err := os.Stat(siteDB)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(backup.Seconds(), "backup-s")
		b.ReportMetric(restore.Seconds(), "restore-s")
		b.ReportMetric(float64(info.Bytes)/(1<<20), "backup-MiB")
		b.ReportMetric(float64(src.Size())/(1<<20), "database-MiB")
	}
	b.ReportMetric(0, "ns/op")
}
