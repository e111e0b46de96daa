package bench

// The site on PostgreSQL, served by one and by two "dailypapers serve"
// processes, under the loopback load of the SQLite benchmarks:
//
//	DAILYPAPERS_TEST_POSTGRES=postgres://user:pass@127.0.0.1/db \
//	  go test ./internal/bench -run '^$' -bench PostgresLoopback -benchtime 1x -timeout 60m
//
// The benchmark database (benchStore: both arXiv files and the whole
// hosted feed) is moved into a new schema with "dailypapers copy", and the
// processes are the real command, built for the run, with the search
// index by words (--embedder none). Each workload runs for apiLoadFor from
// apiConns keep-alive connections, split evenly between the processes, in
// a closed loop, from a load generator in this process: the processes,
// PostgreSQL and the load share the two cores.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/store/postgres/pgtest"
)

func BenchmarkPostgresLoopback(b *testing.B) {
	dsn := pgtest.Schema(b)
	st := benchStore(b)
	days, papers := feedPaths(b, st)
	c := loadSearchCorpus(b)
	searches := make([]string, len(c.queries))
	for i, q := range c.queries {
		searches[i] = "/api/papers/search?q=" + url.QueryEscape(q.text)
	}
	bin := buildCommand(b)
	t := time.Now()
	if out, err := exec.Command(bin, "copy", "--from", siteDB, "--to", dsn).CombinedOutput(); err != nil {
		b.Fatalf("copy: %v\n%s", err, out)
	}
	fmt.Printf("copied the benchmark database (%s) to PostgreSQL in %.1f s\n", siteDB, time.Since(t).Seconds())

	isPage := func(body []byte) (bool, bool) { return false, bytes.Contains(body, []byte("</html>")) }
	// Pages are measured with each process's page cache warm (every path
	// asked once first), as a site serves its pages most of the time; a
	// paper page rendered cold costs a similar-papers search, which the
	// in-process benchmarks measure. Search answers are not cached.
	workloads := []struct {
		name  string
		paths []string
		check func([]byte) (bool, bool)
		warm  bool
	}{
		{"feed", days, isPage, true},
		{"paper", papers, isPage, true},
		{"search", searches, isJSONArray, false},
	}
	// Processes on both cores each, as serve runs; then on one core each,
	// as if each had a machine of its own (the two cores also run
	// PostgreSQL and the load, so two processes of two cores each cannot
	// have more CPU than one).
	for _, cfg := range []struct{ procs, cores int }{{1, 2}, {2, 2}, {1, 1}, {2, 1}} {
		procs := cfg.procs
		b.Run(fmt.Sprintf("procs=%d/cores=%d", procs, cfg.cores), func(b *testing.B) {
			bases := make([]string, procs)
			for i := range bases {
				bases[i] = startServe(b, bin, dsn, cfg.cores)
			}
			for _, w := range workloads {
				b.Run(w.name, func(b *testing.B) {
					if w.warm {
						warm(b, bases, w.paths)
					}
					for i := 0; i < b.N; i++ {
						l := drive(b, bases, apiConns, func(rng *rand.Rand) string { return w.paths[rng.IntN(len(w.paths))] }, w.check)
						l.reportExternal(b, fmt.Sprintf("%s, %d random paths, %d process(es) on PostgreSQL", w.name, len(w.paths), procs))
					}
				})
			}
		})
	}
}

// warm asks every server for every path once, four at a time.
func warm(b *testing.B, bases, paths []string) {
	work := make(chan string)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			var err error
			for u := range work {
				resp, e := http.Get(u)
				if e == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						e = fmt.Errorf("GET %s: %s", u, resp.Status)
					}
				}
				if err == nil {
					err = e
				}
			}
			errs <- err
		}()
	}
	for _, base := range bases {
		for _, p := range paths {
			work <- base + p
		}
	}
	close(work)
	for range 4 {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
}

// buildCommand builds dailypapers into a temporary directory.
func buildCommand(b *testing.B) string {
	bin := filepath.Join(b.TempDir(), "dailypapers")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/dailypapers/dailypapers/cmd/dailypapers")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startServe starts "dailypapers serve" on dsn with GOMAXPROCS=cores, waits until its search
// index is loaded (/readyz), and returns its address; the process is
// stopped when the benchmark ends.
func startServe(b *testing.B, bin, dsn string, cores int) string {
	cmd := exec.Command(bin, "serve", "--db", dsn, "--data", b.TempDir(), "--addr", "127.0.0.1:0",
		"--embedder", "none", "--demo=false", "--harvest-categories=", "--stars-every", "0", "--log-level", "warn",
		"--trusted-proxies", "127.0.0.1/32") // the load comes from many addresses (drive)
	cmd.Env = append(os.Environ(), fmt.Sprintf("GOMAXPROCS=%d", cores))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("serve said nothing: %v", err)
	}
	go io.Copy(io.Discard, stdout)
	_, rest, ok := strings.Cut(line, "serving ")
	base, _, _ := strings.Cut(rest, "/ ")
	if !ok || !strings.HasPrefix(base, "http://") {
		b.Fatalf("serve said %q", line)
	}
	start := time.Now()
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Since(start) > 10*time.Minute {
			b.Fatalf("%s not ready after 10 minutes", base)
		}
		time.Sleep(200 * time.Millisecond)
	}
	fmt.Printf("%s ready in %.1f s (search index built from PostgreSQL)\n", base, time.Since(start).Seconds())
	return base
}

// reportExternal reports requests/s and latency of a load on processes of
// their own.
func (l apiLoadResult) reportExternal(b *testing.B, what string) {
	n := len(l.latencies)
	if n == 0 {
		b.Fatal("no request was answered")
	}
	p50, p99 := percentiles(l.latencies)
	b.ReportMetric(float64(n)/l.took.Seconds(), "req/s")
	b.ReportMetric(p50, "p50-ms")
	b.ReportMetric(p99, "p99-ms")
	b.ReportMetric(0, "ns/op")
	b.Logf("%s: %d requests in %.1f s from %d keep-alive connections = %.0f requests/s; p50 %.3f ms, p99 %.3f ms, max %.1f ms; mean answer %.1f KB; load average %s",
		what, n, l.took.Seconds(), l.conns, float64(n)/l.took.Seconds(), p50, p99, maxMS(l.latencies),
		float64(l.bytes)/float64(n)/1024, loadAverage())
}
