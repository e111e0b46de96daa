package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ulikunitz/xz"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
)

// The testdata files are unmodified slices of the shared real data (testdata/README.md).
const (
	hfJSONL      = "testdata/hf-daily-papers.jsonl"
	hfAPI        = "testdata/hf-api-2025-10-06.json"
	arxivDaily   = "testdata/arxiv-daily.jsonl"
	arxivArchive = "testdata/arxiv-archive.jsonl"
	kaggle       = "testdata/kaggle-snapshot.jsonl"
)

var allFiles = []string{hfJSONL, hfAPI, arxivDaily, arxivArchive, kaggle}

func openStore(t testing.TB) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func importFile(t testing.TB, st store.Store, path string, opt Options) Summary {
	t.Helper()
	sum, err := ImportFile(context.Background(), st, path, opt)
	if err != nil {
		t.Fatalf("ImportFile(%s): %v", path, err)
	}
	return sum
}

func importBytes(t testing.TB, st store.Store, name string, data []byte, opt Options) Summary {
	t.Helper()
	sum, err := ImportReader(context.Background(), st, name, bytes.NewReader(data), opt)
	if err != nil {
		t.Fatalf("ImportReader(%s): %v", name, err)
	}
	return sum
}

func getPaper(t testing.TB, st store.Store, id paper.ID) paper.Paper {
	t.Helper()
	p, err := st.Paper(context.Background(), id)
	if err != nil {
		t.Fatalf("Paper(%s): %v", id, err)
	}
	return p
}

func stats(t testing.TB, st store.Store) store.Stats {
	t.Helper()
	s, err := st.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func feed(t testing.TB, st store.Store, from, to string) []store.FeedItem {
	t.Helper()
	items, err := st.Feed(context.Background(), store.FeedQuery{From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// lines returns the lines of a JSONL testdata file.
func lines(t testing.TB, path string) []string {
	t.Helper()
	return strings.Split(strings.TrimSuffix(string(readFile(t, path)), "\n"), "\n")
}

// lineOf returns the line of a JSONL testdata file that holds the paper id.
func lineOf(t testing.TB, path, id string) string {
	t.Helper()
	for _, l := range lines(t, path) {
		if strings.Contains(l, `"`+id+`"`) {
			return l
		}
	}
	t.Fatalf("%s has no line for %s", path, id)
	return ""
}

func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func checkCounts(t testing.TB, sum Summary, read, skipped, added, updated, unchanged int) {
	t.Helper()
	if sum.Read != read || sum.Skipped != skipped || sum.Added != added || sum.Updated != updated || sum.Unchanged != unchanged {
		t.Errorf("read %d, skipped %d, added %d, updated %d, unchanged %d; want %d, %d, %d, %d, %d",
			sum.Read, sum.Skipped, sum.Added, sum.Updated, sum.Unchanged, read, skipped, added, updated, unchanged)
	}
}

func eq[T comparable](t testing.TB, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func eqSlice[T comparable](t testing.TB, what string, got, want []T) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func eqTime(t testing.TB, what string, got time.Time, want string) {
	t.Helper()
	if want == "" {
		if !got.IsZero() {
			t.Errorf("%s = %v, want none", what, got)
		}
		return
	}
	if !got.Equal(ts(want)) {
		t.Errorf("%s = %v, want %s", what, got, want)
	}
}

func names(p paper.Paper) []string { return p.AuthorNames() }
func latest(p paper.Paper) int     { return p.LatestVersion() }

func TestImportFormats(t *testing.T) {
	tests := []struct {
		file   string
		format Format
		read   int
		stats  store.Stats
		check  func(t *testing.T, st store.Store)
	}{
		{hfJSONL, FormatHFJSONL, 40, store.Stats{Papers: 40, FeedEntries: 40, Users: 30, FirstDay: "2025-10-03", LastDay: "2025-10-07"},
			func(t *testing.T, st store.Store) {
				p := getPaper(t, st, "2510.00515")
				eq(t, "title", p.Title, "Efficient Multi-modal Large Language Models via Progressive Consistency Distillation")
				if !strings.HasPrefix(p.Abstract, "Visual tokens consume substantial computational resources in multi-modal large models (MLLMs), significantly") {
					t.Errorf("abstract = %.80q...", p.Abstract)
				}
				eqSlice(t, "authors", p.AuthorNames(), []string{"Zichen Wen", "Shaobo Wang", "Yufa Zhou", "Junyuan Zhang", "Qintong Zhang",
					"Yifeng Gao", "Zhaorun Chen", "Bin Wang", "Weijia Li", "Conghui He", "Linfeng Zhang"})
				eq(t, "categories", len(p.Categories), 0)
				eq(t, "upvotes", p.Upvotes, 16)
				eq(t, "comments", p.NumComments, 1)
				eq(t, "github repo", p.GitHubRepo, "https://github.com/ZichenWen1/EPIC")
				eq(t, "github stars", p.GitHubStars, 4)
				eq(t, "project page", p.ProjectPage, "https://zichenwen1.github.io/EPIC")
				eqTime(t, "published", p.Published, "2025-10-01T04:56:40Z")
				eqTime(t, "as of", p.AsOf, "2025-10-06T03:44:13.823Z")
				eq(t, "ai summary", p.AISummary, "EPIC, a progressive learning framework, improves the efficiency of multi-modal large models "+
					"by reducing training difficulty through token and layer consistency distillation during visual token compression.")
				eqSlice(t, "ai keywords", p.AIKeywords, []string{"visual tokens", "multi-modal large models", "MLLMs", "token compression",
					"parameter space", "feature space", "progressive learning framework", "token consistency distillation",
					"layer consistency distillation", "teacher model", "progressive learning trajectory"})

				noRepo := getPaper(t, st, "2510.02665")
				eq(t, "repo of 2510.02665 (null)", noRepo.GitHubRepo, "")
				eq(t, "project page of 2510.02665 (null)", noRepo.ProjectPage, "")
				noStars := getPaper(t, st, "2510.02919")
				eq(t, "repo of 2510.02919", noStars.GitHubRepo, "https://github.com/2020-qqtcg/SRGen")
				eq(t, "stars of 2510.02919 (null)", noStars.GitHubStars, 0)

				day := feed(t, st, "2025-10-06", "2025-10-06")
				if len(day) != 16 {
					t.Fatalf("feed of 2025-10-06 has %d papers, want 16", len(day))
				}
				var ids []string
				for _, it := range day[:5] {
					ids = append(ids, string(it.Paper.ID))
				}
				// Most upvoted first; ties (5 upvotes) by the later submission.
				eqSlice(t, "feed order", ids, []string{"2510.00515", "2510.01068", "2510.02665", "2509.26354", "2510.03120"})
				top := day[0]
				eq(t, "feed day", top.Day, "2025-10-06")
				eqTime(t, "submitted at", top.SubmittedAt, "2025-10-06T03:44:13.823Z")
				if top.Submitter == nil {
					t.Fatal("no submitter")
				}
				eq(t, "submitter", top.Submitter.Username, "zichenwen")
				eq(t, "submitter name", top.Submitter.Fullname, "Zichen Wen")
				for _, d := range []struct {
					day string
					n   int
				}{{"2025-10-03", 10}, {"2025-10-06", 16}, {"2025-10-07", 14}, {"2025-10-04", 0}} {
					n, err := st.FeedCount(context.Background(), d.day, d.day)
					if err != nil || n != d.n {
						t.Errorf("FeedCount(%s) = %d, %v; want %d", d.day, n, err, d.n)
					}
				}
			}},
		{hfAPI, FormatHFAPI, 5, store.Stats{Papers: 5, FeedEntries: 5, Users: 5, FirstDay: "2025-10-06", LastDay: "2025-10-06"},
			func(t *testing.T, st store.Store) {
				p := getPaper(t, st, "2510.01068")
				eq(t, "title", p.Title, "Compose Your Policies! Improving Diffusion-based or Flow-based Robot Policies via Test-time Distribution-level Composition")
				eq(t, "authors", len(p.Authors), 18)
				eq(t, "first author", p.Authors[0], paper.Author{Name: "Jiahang Cao", User: "SAGE2000"})
				eq(t, "second author", p.Authors[1], paper.Author{Name: "Yize Huang"})
				eq(t, "last author", p.Authors[17], paper.Author{Name: "Andrew F. Luo", User: "aluo-x"})
				eq(t, "upvotes", p.Upvotes, 10)
				eq(t, "comments", p.NumComments, 2)
				eq(t, "github repo", p.GitHubRepo, "https://github.com/SageCao1125/GPC")
				eq(t, "github stars", p.GitHubStars, 5)
				eq(t, "project page", p.ProjectPage, "https://sagecao1125.github.io/GPC-Site/")
				eq(t, "ai summary", p.AISummary, "General Policy Composition (GPC) enhances robotic control performance by combining "+
					"pre-trained diffusion-based policies without additional training, leading to superior results across various benchmarks.")
				eq(t, "ai keywords", len(p.AIKeywords), 13)
				eq(t, "a keyword with TeX", p.AIKeywords[5], `Gr\"onwall-type bound`)
				eqTime(t, "published", p.Published, "2025-10-01T16:05:53Z")
				eqTime(t, "as of", p.AsOf, "2025-10-06T00:35:20.824Z")

				subs, err := st.Submissions(context.Background(), "2510.01068")
				if err != nil || len(subs) != 1 {
					t.Fatalf("Submissions = %v, %v", subs, err)
				}
				eq(t, "feed day", subs[0].Day, "2025-10-06")
				eq(t, "submitter", subs[0].Submitter.Username, "SAGE2000")
				eq(t, "submitter name", subs[0].Submitter.Fullname, "CAO")

				day := feed(t, st, "2025-10-06", "2025-10-06")
				eq(t, "feed size", len(day), 5)
				eq(t, "top paper", day[0].Paper.ID, "2510.00515")
				eq(t, "top submitter", day[0].Submitter.Username, "zichenwen")
			}},
		{arxivDaily, FormatArxivJSONL, 40, store.Stats{Papers: 40},
			func(t *testing.T, st store.Store) {
				p := getPaper(t, st, "2503.11685")
				eq(t, "title", p.Title, "CORDIC Is All You Need")
				eqSlice(t, "authors", p.AuthorNames(), []string{"Omkar Kokane", "Adam Teman", "Anushka Jha", "Guru Prasath SL", "Gopal Raut",
					"Mukul Lokhande", "S. V. Jaya Chand", "Tanushree Dewangan", "Santosh Kumar Vishvakarma"})
				eqSlice(t, "categories", p.Categories, []string{"cs.AR", "cs.CV", "eess.IV"})
				eq(t, "listed", p.Listed, "2025-03-18")
				eq(t, "comments (null)", p.Comments, "")
				eq(t, "upvotes", p.Upvotes, 0)

				// Primary first; the MSC and ACM classes the listing mixes in are not categories.
				eqSlice(t, "categories of 2503.11954", getPaper(t, st, "2503.11954").Categories,
					[]string{"eess.IV", "cs.AI", "cs.CV", "cs.IT", "cs.LG", "math.IT"})
				eq(t, "comments of 2503.11930", getPaper(t, st, "2503.11930").Comments,
					"for associated iris database, see https://huggingface.co/datasets/fatdove/Iris_Database")
				eq(t, "first author of 2503.11742", getPaper(t, st, "2503.11742").Authors[0].Name, "Moreno D'Incà")
			}},
		{arxivArchive, FormatArxivJSONL, 40, store.Stats{Papers: 40},
			func(t *testing.T, st store.Store) {
				p := getPaper(t, st, "1501.00249")
				eq(t, "title", p.Title, "Normality of Orthogonal and Sympletic Nilpotent Orbit Closures in Positive Characteristic")
				eqSlice(t, "authors", p.AuthorNames(), []string{"Husileng Xiao", "Bin Shu"})
				eqSlice(t, "categories", p.Categories, []string{"math.RT", "math.AG", "math.GR"})
				eq(t, "doi", p.DOI, "10.1016/j.jalgebra.2015.06.041")
				eq(t, "comments", p.Comments, "13 pages, Journal of Algebra 2015")
				eqTime(t, "published", p.Published, "2015-01-01T00:00:00Z")
				eqTime(t, "updated", p.Updated, "2015-09-27T00:00:00Z")
				eq(t, "listed", p.Listed, "")

				eqSlice(t, "authors of 1501.00273", names(getPaper(t, st, "1501.00273")), []string{"René Aïd", "Luciano Campi", "Delphine Lautier"})
				eqTime(t, "updated of 1501.00251 (empty)", getPaper(t, st, "1501.00251").Updated, "")
			}},
		{kaggle, FormatKaggle, 30, store.Stats{Papers: 30},
			func(t *testing.T, st store.Store) {
				p := getPaper(t, st, "0704.0001")
				eq(t, "title", p.Title, "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies")
				if !strings.HasPrefix(p.Abstract, "A fully differential calculation in perturbative quantum chromodynamics is presented for") {
					t.Errorf("abstract = %.80q...", p.Abstract)
				}
				eqSlice(t, "authors", p.AuthorNames(), []string{"C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"})
				eqSlice(t, "categories", p.Categories, []string{"hep-ph"})
				eq(t, "doi", p.DOI, "10.1103/PhysRevD.76.013009")
				eq(t, "journal ref", p.JournalRef, "Phys.Rev.D76:013009,2007")
				eq(t, "comments", p.Comments, "37 pages, 15 figures; published version")
				if len(p.Versions) != 2 {
					t.Fatalf("versions = %v", p.Versions)
				}
				eq(t, "v1", p.Versions[0].N, 1)
				eqTime(t, "v1 date", p.Versions[0].Date, "2007-04-02T19:18:42Z")
				eq(t, "v2", p.Versions[1].N, 2)
				eqTime(t, "v2 date", p.Versions[1].Date, "2007-07-24T20:10:27Z")
				eqTime(t, "published", p.Published, "2007-04-02T19:18:42Z")
				eqTime(t, "updated", p.Updated, "2007-07-24T20:10:27Z")
				eqTime(t, "as of", p.AsOf, "2008-11-26T00:00:00Z")

				q := getPaper(t, st, "0704.0002")
				eqSlice(t, "categories of 0704.0002", q.Categories, []string{"math.CO", "cs.CG"})
				eqSlice(t, "authors of 0704.0002", q.AuthorNames(), []string{"Ileana Streinu", "Louis Theran"})
				eq(t, "doi of 0704.0002 (null)", q.DOI, "")
				eqTime(t, "published of 0704.0002", q.Published, "2007-03-31T02:26:18Z")
				eq(t, "title of 0704.0005", getPaper(t, st, "0704.0005").Title, `From dyadic $\Lambda_{\alpha}$ to $\Lambda_{\alpha}$`)
				eqSlice(t, "authors of 0704.0025", names(getPaper(t, st, "0704.0025")), []string{"A. S. Mishchenko", "N. Nagaosa"})
				eqSlice(t, "authors of 0704.0028", names(getPaper(t, st, "0704.0028")), []string{"Péter E. Frenkel"})
				eq(t, "latest version of 0704.0027", latest(getPaper(t, st, "0704.0027")), 4)
			}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			st := openStore(t)
			var warn bytes.Buffer
			sum := importFile(t, st, tt.file, Options{Warn: &warn})
			eq(t, "format", sum.Format, tt.format)
			eq(t, "file", sum.File, tt.file)
			checkCounts(t, sum, tt.read, 0, tt.read, 0, 0)
			if warn.Len() > 0 {
				t.Errorf("warnings:\n%s", warn.String())
			}
			eq(t, "stats", stats(t, st), tt.stats)
			tt.check(t, st)
		})
	}
}

// TestImportSmallBatches imports with batches smaller than the file: the
// counts and contents must not depend on the batch size.
func TestImportSmallBatches(t *testing.T) {
	for _, size := range []int{1, 7} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			st := openStore(t)
			var reports []Progress
			sum := importFile(t, st, hfJSONL, Options{BatchSize: size, Progress: func(p Progress) { reports = append(reports, p) }})
			checkCounts(t, sum, 40, 0, 40, 0, 0)
			eq(t, "stats", stats(t, st), store.Stats{Papers: 40, FeedEntries: 40, Users: 30, FirstDay: "2025-10-03", LastDay: "2025-10-07"})
			if len(reports) == 0 {
				t.Fatal("no progress reported")
			}
			n := int64(len(readFile(t, hfJSONL)))
			eq(t, "final progress", reports[len(reports)-1], Progress{File: hfJSONL, BytesRead: n, Size: n, Records: 40})
		})
	}
}

func gzipBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// xzCommand compresses with the system's xz, skipping the test without it.
func xzCommand(t testing.TB, data []byte) []byte {
	t.Helper()
	path, err := exec.LookPath("xz")
	if err != nil {
		t.Skip("no xz command")
	}
	cmd := exec.Command(path, "--compress", "--stdout")
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// xzGo compresses with github.com/ulikunitz/xz.
func xzGo(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw, err := xz.NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pureGoXZ(t *testing.T) { t.Setenv("DAILYPAPERS_PURE_GO_XZ", "1") }

func TestImportCompressed(t *testing.T) {
	plain := readFile(t, hfJSONL)
	ref := openStore(t)
	importFile(t, ref, hfJSONL, Options{})
	want := getPaper(t, ref, "2510.00515")

	tests := []struct {
		name   string
		file   string // file name; "" imports through ImportReader
		data   func(t *testing.T) []byte
		pureGo bool
	}{
		{name: "gzip", file: "hf.jsonl.gz", data: func(t *testing.T) []byte { return gzipBytes(t, plain) }},
		{name: "gzip without .gz", file: "hf.jsonl", data: func(t *testing.T) []byte { return gzipBytes(t, plain) }},
		{name: "gzip stream", data: func(t *testing.T) []byte { return gzipBytes(t, plain) }},
		{name: "xz command", file: "hf.jsonl.xz", data: func(t *testing.T) []byte { return xzCommand(t, plain) }},
		{name: "xz command, pure Go reader", file: "hf.jsonl.xz", data: func(t *testing.T) []byte { return xzCommand(t, plain) }, pureGo: true},
		{name: "xz Go writer", file: "hf.jsonl.xz", data: func(t *testing.T) []byte { return xzGo(t, plain) }},
		{name: "xz Go writer, pure Go reader", file: "hf.data", data: func(t *testing.T) []byte { return xzGo(t, plain) }, pureGo: true},
		{name: "xz stream", data: func(t *testing.T) []byte { return xzGo(t, plain) }},
		{name: "xz stream, pure Go reader", data: func(t *testing.T) []byte { return xzGo(t, plain) }, pureGo: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.data(t)
			if tt.pureGo {
				pureGoXZ(t)
			}
			st := openStore(t)
			var sum Summary
			if tt.file != "" {
				path := writeTemp(t, tt.file, data)
				sum = importFile(t, st, path, Options{})
				eq(t, "file", sum.File, path)
			} else {
				sum = importBytes(t, st, "stdin", data, Options{})
			}
			checkCounts(t, sum, 40, 0, 40, 0, 0)
			eq(t, "format", sum.Format, FormatHFJSONL)
			eq(t, "stats", stats(t, st), stats(t, ref))
			if got := getPaper(t, st, "2510.00515"); !paper.Equal(got, want) {
				t.Errorf("paper differs from the plain import:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

// TestImportLayouts reads the same records laid out in the ways files in
// the wild are: a byte order mark, CRLF, blank lines, no final newline,
// compact and one-item-per-line JSON.
func TestImportLayouts(t *testing.T) {
	jsonl := readFile(t, hfJSONL)
	var compact bytes.Buffer
	var items []json.RawMessage
	if err := json.Unmarshal(readFile(t, hfAPI), &items); err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if err := json.Compact(&compact, it); err != nil {
			t.Fatal(err)
		}
		compact.WriteByte('\n')
	}
	compactArray, _ := json.Marshal(items)

	tests := []struct {
		name   string
		data   []byte
		format Format
		read   int
	}{
		{"byte order mark", append([]byte("\xEF\xBB\xBF"), jsonl...), FormatHFJSONL, 40},
		{"CRLF", bytes.ReplaceAll(jsonl, []byte("\n"), []byte("\r\n")), FormatHFJSONL, 40},
		{"blank lines", bytes.ReplaceAll(jsonl, []byte("\n"), []byte("\n\n \t\n")), FormatHFJSONL, 40},
		{"leading blank lines", append([]byte("\n\n  \n"), jsonl...), FormatHFJSONL, 40},
		{"no final newline", bytes.TrimSuffix(jsonl, []byte("\n")), FormatHFJSONL, 40},
		{"API items one per line", compact.Bytes(), FormatHFAPI, 5},
		{"API array on one line", compactArray, FormatHFAPI, 5},
		{"API array with surrounding space", append(append([]byte("\n \t"), readFile(t, hfAPI)...), "\n\n"...), FormatHFAPI, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := openStore(t)
			var warn bytes.Buffer
			sum := importBytes(t, st, "x", tt.data, Options{Warn: &warn})
			eq(t, "format", sum.Format, tt.format)
			checkCounts(t, sum, tt.read, 0, tt.read, 0, 0)
			if warn.Len() > 0 {
				t.Errorf("warnings:\n%s", warn.String())
			}
			if tt.format == FormatHFJSONL {
				eq(t, "upvotes", getPaper(t, st, "2510.00515").Upvotes, 16)
			} else {
				eq(t, "first author", getPaper(t, st, "2510.01068").Authors[0], paper.Author{Name: "Jiahang Cao", User: "SAGE2000"})
			}
		})
	}
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in      string
		want    Format
		wantErr bool
	}{
		{"", "", false},
		{"auto", "", false},
		{"hf-api", FormatHFAPI, false},
		{"hf-jsonl", FormatHFJSONL, false},
		{"arxiv-jsonl", FormatArxivJSONL, false},
		{"kaggle", FormatKaggle, false},
		{"HF-API", "", true},
		{"json", "", true},
		{" kaggle", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseFormat(tt.in)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("ParseFormat(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "hf-jsonl") {
				t.Errorf("error %q does not list the formats", err)
			}
		})
	}
}

func TestDetectFormat(t *testing.T) {
	tests := []struct {
		name string
		rec  string
		want Format
	}{
		{"hf api", `{"paper": {"id": "2510.00515"}, "numComments": 1}`, FormatHFAPI},
		{"hf jsonl", `{"feed_date": "2025-10-06", "arxiv_id": "2510.00515"}`, FormatHFJSONL},
		{"arxiv", `{"arxiv_id": "2503.11685", "title": "CORDIC Is All You Need"}`, FormatArxivJSONL},
		{"kaggle", `{"id": "0704.0001", "update_date": "2008-11-26"}`, FormatKaggle},
		{"kaggle by versions", `{"id": "0704.0001", "versions": []}`, FormatKaggle},
		{"id alone", `{"id": "0704.0001"}`, ""},
		{"unknown", `{"foo": 1}`, ""},
		{"array", `[1]`, ""},
		{"not json", `{"arxiv_id": `, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := detectFormat([]byte(tt.rec))
			if got != tt.want || (err != nil) != (tt.want == "") {
				t.Errorf("detectFormat(%s) = %q, %v; want %q", tt.rec, got, err, tt.want)
			}
		})
	}
	// The first record of each testdata file.
	for file, want := range map[string]Format{hfJSONL: FormatHFJSONL, arxivDaily: FormatArxivJSONL, arxivArchive: FormatArxivJSONL, kaggle: FormatKaggle} {
		if got, err := detectFormat([]byte(lines(t, file)[0])); got != want {
			t.Errorf("%s: detected %q, %v; want %q", file, got, err, want)
		}
	}
}

func TestImportForcedFormat(t *testing.T) {
	t.Run("feed rows as arXiv metadata", func(t *testing.T) {
		st := openStore(t)
		sum := importFile(t, st, hfJSONL, Options{Format: FormatArxivJSONL})
		eq(t, "format", sum.Format, FormatArxivJSONL)
		checkCounts(t, sum, 40, 0, 40, 0, 0)
		eq(t, "stats", stats(t, st), store.Stats{Papers: 40}) // no feed entries without the feed format
		eq(t, "title", getPaper(t, st, "2510.00515").Title, "Efficient Multi-modal Large Language Models via Progressive Consistency Distillation")
	})
	t.Run("arXiv metadata as Kaggle", func(t *testing.T) {
		st := openStore(t)
		var warn bytes.Buffer
		sum := importFile(t, st, arxivArchive, Options{Format: FormatKaggle, Warn: &warn, MaxWarnings: 100})
		eq(t, "format", sum.Format, FormatKaggle)
		checkCounts(t, sum, 40, 40, 0, 0, 0)
		eq(t, "warnings", strings.Count(warn.String(), ": skipped: field /authors should be a string, not an array\n"), 40)
		eq(t, "stats", stats(t, st), store.Stats{})
	})
	t.Run("unrecognised records", func(t *testing.T) {
		st := openStore(t)
		data := []byte(`{"paper_id": "2510.00515", "name": "x"}` + "\n")
		_, err := ImportReader(context.Background(), st, "odd.jsonl", bytes.NewReader(data), Options{})
		if err == nil || !strings.Contains(err.Error(), "odd.jsonl:1:") || !strings.Contains(err.Error(), "--format") {
			t.Errorf("error = %v; want one naming odd.jsonl:1 and --format", err)
		}
		var warn bytes.Buffer
		sum := importBytes(t, st, "odd.jsonl", data, Options{Format: FormatArxivJSONL, Warn: &warn})
		checkCounts(t, sum, 1, 1, 0, 0, 0)
		eq(t, "warning", warn.String(), "odd.jsonl:1: skipped: missing arXiv id\n")
	})
}

// paperIDs lists the ids of a file's good records, read with the importer's own reader.
func paperIDs(t testing.TB, path string) []paper.ID {
	t.Helper()
	in, err := openFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.close()
	rr, first, err := newRecordReader(in.r)
	if err != nil {
		t.Fatal(err)
	}
	f, err := detectFormat(first)
	if err != nil {
		t.Fatal(err)
	}
	var ids []paper.ID
	for {
		raw, err := rr.next()
		if err != nil {
			break
		}
		if rec, err := decodeRecord(f, raw.data); err == nil {
			ids = append(ids, rec.Paper.ID)
		}
	}
	return ids
}

// snapshot is what a store holds about a set of papers.
type snapshot struct {
	stats  store.Stats
	papers map[paper.ID]paper.Paper
	feed   []string
}

func takeSnapshot(t testing.TB, st store.Store, ids []paper.ID) snapshot {
	t.Helper()
	s := snapshot{stats: stats(t, st), papers: map[paper.ID]paper.Paper{}}
	for _, id := range ids {
		s.papers[id] = getPaper(t, st, id)
	}
	for _, it := range feed(t, st, "0000-01-01", "9999-12-31") {
		sub := ""
		if it.Submitter != nil {
			sub = it.Submitter.Username + "/" + it.Submitter.Fullname
		}
		s.feed = append(s.feed, fmt.Sprintf("%s %s %s %s %d", it.Day, it.Paper.ID, sub, it.SubmittedAt.Format(time.RFC3339Nano), it.Paper.Upvotes))
	}
	return s
}

func compareSnapshots(t testing.TB, got, want snapshot) {
	t.Helper()
	if got.stats != want.stats {
		t.Errorf("stats = %+v, want %+v", got.stats, want.stats)
	}
	for id, w := range want.papers {
		if g := got.papers[id]; !paper.Equal(g, w) {
			t.Errorf("paper %s changed:\n got %+v\nwant %+v", id, g, w)
		}
	}
	if !slices.Equal(got.feed, want.feed) {
		t.Errorf("feed changed:\n got %q\nwant %q", got.feed, want.feed)
	}
}

func TestImportIdempotent(t *testing.T) {
	for _, file := range allFiles {
		t.Run(filepath.Base(file), func(t *testing.T) {
			st := openStore(t)
			ids := paperIDs(t, file)
			first := importFile(t, st, file, Options{})
			before := takeSnapshot(t, st, ids)
			second := importFile(t, st, file, Options{})
			checkCounts(t, second, first.Read, 0, 0, 0, first.Read)
			compareSnapshots(t, takeSnapshot(t, st, ids), before)
		})
	}
	t.Run("all files twice", func(t *testing.T) {
		st := openStore(t)
		var ids []paper.ID
		for _, file := range allFiles {
			ids = append(ids, paperIDs(t, file)...)
			importFile(t, st, file, Options{})
		}
		before := takeSnapshot(t, st, ids)
		eq(t, "papers", before.stats.Papers, 40+40+40+30) // the API's papers are all on the feed file too
		for _, file := range allFiles {
			sum := importFile(t, st, file, Options{})
			checkCounts(t, sum, sum.Read, 0, 0, 0, sum.Read)
		}
		compareSnapshots(t, takeSnapshot(t, st, ids), before)
		// The feed rows know no usernames of authors; the API's do, and they stay.
		eq(t, "first author", getPaper(t, st, "2510.01068").Authors[0], paper.Author{Name: "Jiahang Cao", User: "SAGE2000"})
	})
}

// replace changes one JSON member of a real record, failing when it is not there.
func replace(t testing.TB, line, old, new string) string {
	t.Helper()
	if !strings.Contains(line, old) {
		t.Fatalf("%q not in %.80s...", old, line)
	}
	return strings.Replace(line, old, new, 1)
}

func TestImportNewerRecordUpdates(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	importFile(t, st, hfJSONL, Options{})
	orig := lineOf(t, hfJSONL, "2510.00515")

	// A later capture of the feed: more upvotes, comments and stars.
	later := replace(t, orig, `"upvotes": 16,`, `"upvotes": 40,`)
	later = replace(t, later, `"num_comments": 1,`, `"num_comments": 3,`)
	later = replace(t, later, `"github_stars": 4,`, `"github_stars": 9,`)
	sum := importBytes(t, st, "later.jsonl", []byte(later+"\n"), Options{})
	checkCounts(t, sum, 1, 0, 0, 1, 0)
	p := getPaper(t, st, "2510.00515")
	eq(t, "upvotes", p.Upvotes, 40)
	eq(t, "comments", p.NumComments, 3)
	eq(t, "stars", p.GitHubStars, 9)

	// The earlier capture again changes nothing: counts only grow.
	sum = importBytes(t, st, "orig.jsonl", []byte(orig+"\n"), Options{})
	checkCounts(t, sum, 1, 0, 0, 0, 1)
	p = getPaper(t, st, "2510.00515")
	eq(t, "upvotes after the older capture", p.Upvotes, 40)
	eq(t, "stars after the older capture", p.GitHubStars, 9)

	// The same paper put on the feed again on a later day by someone else.
	again := replace(t, orig, `"feed_date": "2025-10-06"`, `"feed_date": "2025-10-08"`)
	again = replace(t, again, `"submitted_on_daily_at": "2025-10-06T03:44:13.823Z"`, `"submitted_on_daily_at": "2025-10-08T01:00:00.000Z"`)
	again = replace(t, again, `"submitted_by": "zichenwen"`, `"submitted_by": "taesiri"`)
	sum = importBytes(t, st, "again.jsonl", []byte(again+"\n"), Options{})
	checkCounts(t, sum, 1, 0, 0, 1, 0)
	subs, err := st.Submissions(ctx, "2510.00515")
	if err != nil || len(subs) != 2 {
		t.Fatalf("Submissions = %v, %v", subs, err)
	}
	eq(t, "first day", subs[0].Day, "2025-10-06")
	eq(t, "first submitter", subs[0].Submitter.Username, "zichenwen")
	eq(t, "second day", subs[1].Day, "2025-10-08")
	eq(t, "second submitter", subs[1].Submitter.Username, "taesiri")
	eqTime(t, "as of", getPaper(t, st, "2510.00515").AsOf, "2025-10-08T01:00:00Z")
	eq(t, "stats", stats(t, st), store.Stats{Papers: 40, FeedEntries: 41, Users: 30, FirstDay: "2025-10-03", LastDay: "2025-10-08"})

	// A newer arXiv record (a later update) replaces the metadata; the older one then fills gaps only.
	importFile(t, st, arxivArchive, Options{})
	old := lineOf(t, arxivArchive, "1501.00251")
	newer := replace(t, old, `"updated": ""`, `"updated": "2016-02-01"`)
	newer = replace(t, newer, `"title": "A Tutorial on Inverse Problems for Anomalous Diffusion Processes"`, `"title": "Inverse Problems for Anomalous Diffusion Processes: a Tutorial"`)
	newer = replace(t, newer, `"comments": "29 pages, to appear at Inverse Problems"`, `"comments": ""`)
	sum = importBytes(t, st, "newer.jsonl", []byte(newer+"\n"), Options{})
	checkCounts(t, sum, 1, 0, 0, 1, 0)
	sum = importBytes(t, st, "old.jsonl", []byte(old+"\n"), Options{})
	checkCounts(t, sum, 1, 0, 0, 0, 1)
	q := getPaper(t, st, "1501.00251")
	eq(t, "title", q.Title, "Inverse Problems for Anomalous Diffusion Processes: a Tutorial")
	eq(t, "comments", q.Comments, "29 pages, to appear at Inverse Problems")
	eqTime(t, "updated", q.Updated, "2016-02-01T00:00:00Z")
	eqTime(t, "published", q.Published, "2015-01-01T00:00:00Z")
}

var upvotesRE = regexp.MustCompile(`"upvotes": \d+`)

func TestImportBadRecords(t *testing.T) {
	l := lines(t, hfJSONL)
	// Every bad record is a real one spoilt in one way.
	records := []string{
		l[0],               // 1: good, 2510.02245
		l[1][:len(l[1])/2], // 2: truncated
		upvotesRE.ReplaceAllString(l[2], `"upvotes": "many"`),                   // 3
		replace(t, l[3], `"arxiv_id": "2510.01623", `, ``),                      // 4
		replace(t, l[4], `"arxiv_id": "2510.01538"`, `"arxiv_id": "2510.1538"`), // 5
		"",   // 6: blank, not a record
		l[0], // 7: a duplicate of line 1
		replace(t, l[5], `"feed_date": "2025-10-03"`, `"feed_date": "03/10/2025"`),      // 8
		replace(t, l[6], `"authors": ["Zefeng He", `, `"authors": "Zefeng He", "x": [`), // 9
		l[7], // 10: good, 2510.00537
		replace(t, l[8], `"title": "AReUReDi: Annealed Rectified Updates for Refining Discrete Flows with Multi-Objective Guidance"`, `"title": " \n "`), // 11
		l[8] + " " + l[8], // 12: two records on one line
		"null",            // 13
		"[1, 2]",          // 14
		replace(t, l[8], `"published_at": "2025-09-30T23:33:33.000Z"`, `"published_at": "last Tuesday"`), // 15
		l[9], // 16: good, 2509.26330
		replace(t, l[3], `"submitted_on_daily_at": "2025-10-03T00:55:59.842Z"`, `"submitted_on_daily_at": 1759452959`), // 17
	}
	data := []byte(strings.Join(records, "\n") + "\n")
	wantWarn := []struct {
		line int
		msg  string
	}{
		{2, "bad JSON"},
		{3, "field /upvotes should be a whole number, not string"},
		{4, "missing arXiv id"},
		{5, `not an arXiv identifier: "2510.1538"`},
		{8, `feed day "03/10/2025" is not a date`},
		{9, "field /authors should be an array, not string"},
		{11, "paper 2510.00352 has no title"},
		{12, "bad JSON"},
		{13, "missing arXiv id"},
		{14, "the record should be an object, not an array"},
		{15, `published_at "last Tuesday" is not a date`},
		{17, "field /submitted_on_daily_at should be a string, not number"},
	}

	for _, size := range []int{500, 1} {
		t.Run(fmt.Sprintf("batch %d", size), func(t *testing.T) {
			st := openStore(t)
			path := writeTemp(t, "spoilt.jsonl", data)
			var warn bytes.Buffer
			sum := importFile(t, st, path, Options{Warn: &warn, BatchSize: size})
			checkCounts(t, sum, 16, len(wantWarn), 3, 0, 1)
			got := strings.Split(strings.TrimSuffix(warn.String(), "\n"), "\n")
			if len(got) != len(wantWarn) {
				t.Fatalf("%d warnings, want %d:\n%s", len(got), len(wantWarn), warn.String())
			}
			for i, w := range wantWarn {
				prefix := fmt.Sprintf("%s:%d: skipped: ", path, w.line)
				if !strings.HasPrefix(got[i], prefix) || !strings.Contains(got[i], w.msg) {
					t.Errorf("warning %d = %q, want %q...%q", i, got[i], prefix, w.msg)
				}
			}
			eq(t, "stats", stats(t, st), store.Stats{Papers: 3, FeedEntries: 3, Users: 3, FirstDay: "2025-10-03", LastDay: "2025-10-03"})
			for _, id := range []paper.ID{"2510.02245", "2510.00537", "2509.26330"} {
				getPaper(t, st, id)
			}
			for _, id := range []paper.ID{"2510.01691", "2510.01670", "2510.01623", "2510.01538", "2510.01143", "2509.24304", "2510.00352"} {
				if _, err := st.Paper(context.Background(), id); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("bad record %s: Paper error %v, want ErrNotFound", id, err)
				}
			}
		})
	}

	t.Run("warnings capped", func(t *testing.T) {
		st := openStore(t)
		var warn bytes.Buffer
		sum := importBytes(t, st, "spoilt.jsonl", data, Options{Warn: &warn, MaxWarnings: 3})
		eq(t, "skipped", sum.Skipped, len(wantWarn))
		want := "spoilt.jsonl:2: skipped: "
		got := strings.Split(strings.TrimSuffix(warn.String(), "\n"), "\n")
		if len(got) != 4 || !strings.HasPrefix(got[0], want) || got[3] != fmt.Sprintf("spoilt.jsonl: %d more bad records skipped", len(wantWarn)-3) {
			t.Errorf("warnings:\n%s", warn.String())
		}
	})

	t.Run("bad item of an API array", func(t *testing.T) {
		st := openStore(t)
		text := string(readFile(t, hfAPI))
		// Item 2 (2510.01068) starts on line 125 of the file.
		if !strings.HasPrefix(strings.Split(text, "\n")[126], `      "id": "2510.01068"`) {
			t.Fatal("testdata changed: item 2 no longer starts on line 125")
		}
		text = replace(t, text, `"upvotes": 10,`, `"upvotes": "many",`)
		var warn bytes.Buffer
		sum := importBytes(t, st, "api.json", []byte(text), Options{Warn: &warn})
		checkCounts(t, sum, 5, 1, 4, 0, 0)
		eq(t, "warning", warn.String(), "api.json:125: skipped: field /paper/upvotes should be a whole number, not string\n")
		if _, err := st.Paper(context.Background(), "2510.01068"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the bad item was imported: %v", err)
		}
	})

	t.Run("line numbers after leading blank lines", func(t *testing.T) {
		st := openStore(t)
		var warn bytes.Buffer
		importBytes(t, st, "x.jsonl", []byte("\n\n"+l[0]+"\n"+records[2]+"\n"), Options{Warn: &warn})
		eq(t, "warning", warn.String(), "x.jsonl:4: skipped: field /upvotes should be a whole number, not string\n")
		warn.Reset()
		text := replace(t, string(readFile(t, hfAPI)), `"upvotes": 10,`, `"upvotes": "many",`)
		importBytes(t, st, "api.json", []byte("\n\n"+text), Options{Warn: &warn})
		eq(t, "warning", warn.String(), "api.json:127: skipped: field /paper/upvotes should be a whole number, not string\n")
	})
}

// TestImportUnreadable feeds files that cannot be read as a whole: the
// import must fail naming the file and leave the store as it was, even
// when good records came before the fault.
func TestImportUnreadable(t *testing.T) {
	jsonl := readFile(t, hfJSONL)
	api := readFile(t, hfAPI)
	gz := gzipBytes(t, jsonl)
	corruptGz := slices.Clone(gz)
	corruptGz[len(corruptGz)-6] ^= 0xff // the CRC-32
	xzData := xzGo(t, jsonl)

	type tc struct {
		name   string
		path   func(t *testing.T) string
		pureGo bool
		msg    string
	}
	file := func(name string, data []byte) func(t *testing.T) string {
		return func(t *testing.T) string { return writeTemp(t, name, data) }
	}
	tests := []tc{
		{name: "nonexistent", path: func(t *testing.T) string { return filepath.Join(t.TempDir(), "nope.jsonl") }, msg: "no such file"},
		{name: "directory", path: func(t *testing.T) string { return t.TempDir() }, msg: "is a directory"},
		{name: "empty", path: file("empty.jsonl", nil), msg: "file is empty"},
		{name: "only spaces", path: file("spaces.jsonl", []byte(" \n\t\r\n\n")), msg: "file is empty"},
		{name: "truncated xz", path: file("half.jsonl.xz", xzData[:len(xzData)/2]), msg: "xz"},
		{name: "truncated xz, pure Go", path: file("half.jsonl.xz", xzData[:len(xzData)/2]), pureGo: true, msg: "xz"},
		{name: "truncated xz header", path: file("head.jsonl.xz", xzData[:8]), pureGo: true, msg: "xz"},
		{name: "truncated gzip", path: file("half.jsonl.gz", gz[:len(gz)/2]), msg: "unexpected EOF"},
		{name: "truncated gzip header", path: file("head.jsonl.gz", gz[:5]), msg: "gzip"},
		{name: "gzip checksum", path: file("crc.jsonl.gz", corruptGz), msg: "checksum"},
		{name: "JSON array cut in the middle", path: file("half.json", api[:len(api)/2]), msg: "unreadable after"},
		{name: "JSON array without its end", path: file("open.json", bytes.TrimSuffix(api, []byte("]"))), msg: "unreadable after 5 records"},
		{name: "JSON array with garbage inside", path: file("junk.json", bytes.Replace(api, []byte("\n  },\n  {"), []byte("\n  } x {"), 1)), msg: "line 124: expected comma after array element"},
		{name: "empty JSON array", path: file("empty.json", []byte("[ ]")), msg: "the JSON array is empty"},
		{name: "JSON array of numbers", path: file("numbers.json", []byte("[1, 2, 3]")), msg: "not a JSON object"},
		{name: "binary garbage", path: file("garbage.bin", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00")), msg: "not JSON or JSONL"},
		{name: "text", path: file("readme.txt", []byte("Daily Papers\n============\n")), msg: "not JSON or JSONL"},
	}
	if _, err := exec.LookPath("xz"); err == nil {
		// Made by the real xz, cut at a block boundary or not.
		real := xzCommand(t, jsonl)
		tests = append(tests,
			tc{name: "truncated xz (xz command)", path: file("half.jsonl.xz", real[:len(real)/2]), msg: "xz"},
			tc{name: "truncated xz (xz command), pure Go", path: file("half.jsonl.xz", real[:len(real)/2]), pureGo: true, msg: "xz"},
			tc{name: "xz without its index", path: file("end.jsonl.xz", real[:len(real)-12]), msg: "xz"},
		)
	}
	for _, tt := range tests {
		for _, size := range []int{0, 1} {
			t.Run(fmt.Sprintf("%s/batch %d", tt.name, size), func(t *testing.T) {
				if tt.pureGo {
					pureGoXZ(t)
				}
				st := openStore(t)
				importFile(t, st, arxivArchive, Options{})
				before := takeSnapshot(t, st, paperIDs(t, arxivArchive))
				path := tt.path(t)
				sum, err := ImportFile(context.Background(), st, path, Options{BatchSize: size})
				if err == nil {
					t.Fatalf("no error; summary %v", sum)
				}
				var fe *FileError
				if !errors.As(err, &fe) || fe.File != path {
					t.Errorf("error %v is not a FileError for %s", err, path)
				}
				if !strings.HasPrefix(err.Error(), path+":") || !strings.Contains(err.Error(), tt.msg) {
					t.Errorf("error %q; want it to name %s and say %q", err, path, tt.msg)
				}
				compareSnapshots(t, takeSnapshot(t, st, paperIDs(t, arxivArchive)), before)
				for _, id := range []paper.ID{"2510.02245", "2510.00515"} {
					if _, err := st.Paper(context.Background(), id); !errors.Is(err, store.ErrNotFound) {
						t.Errorf("%s of the failed import is in the store (%v)", id, err)
					}
				}
			})
		}
	}
}

func TestImportClosedStoreOrContext(t *testing.T) {
	data := []byte(lines(t, hfJSONL)[0] + "\n{\n")
	t.Run("closed store", func(t *testing.T) {
		st := openStore(t)
		st.Close()
		var warn bytes.Buffer
		_, err := ImportReader(context.Background(), st, "x.jsonl", bytes.NewReader(data), Options{Warn: &warn})
		if err == nil || !strings.HasPrefix(err.Error(), "x.jsonl: ") {
			t.Errorf("error = %v", err)
		}
		_ = warn.String() // no import goroutine may still be writing
	})
	t.Run("cancelled", func(t *testing.T) {
		st := openStore(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := ImportReader(ctx, st, "x.jsonl", bytes.NewReader(data), Options{}); err == nil {
			t.Error("no error")
		}
		eq(t, "stats", stats(t, st), store.Stats{})
	})
}

// TestFileErrorFormat pins the messages the command line shows.
func TestFileErrorFormat(t *testing.T) {
	err := error(&FileError{File: "a.jsonl", Line: 3, Err: errors.New("boom")})
	eq(t, "with line", err.Error(), "a.jsonl:3: boom")
	err = &FileError{File: "a.jsonl", Err: os.ErrNotExist}
	eq(t, "without line", err.Error(), "a.jsonl: file does not exist")
	if !errors.Is(err, os.ErrNotExist) {
		t.Error("FileError does not unwrap")
	}
	s := Summary{File: "a.jsonl", Format: FormatKaggle, Read: 10, Skipped: 1, ImportCounts: store.ImportCounts{Added: 7, Updated: 1, Unchanged: 1}, Elapsed: 2 * time.Second}
	eq(t, "summary", s.String(), "a.jsonl (kaggle): read 10, added 7, updated 1, unchanged 1, skipped 1 bad, in 2.0s (5 records/s)")
}

// TestRecordReaderLines checks the line numbers the readers give records.
func TestRecordReaderLines(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		lines []int
	}{
		{"jsonl", "{\"a\":1}\n{\"a\":2}\n\n{\"a\":3}", []int{1, 2, 4}},
		{"jsonl leading blank lines", "\n\n{\"a\":1}\n{\"a\":2}\n", []int{3, 4}},
		{"array", "[\n{\"a\":1},\n\n{\"a\":2}\n]", []int{2, 4}},
		{"array, multi-line items", "[\n  {\n    \"a\": 1\n  },\n  {\n    \"a\": 2\n  }\n]\n", []int{2, 5}},
		{"array after blank lines", "\n\n[{\"a\":1},\n{\"a\":2}]", []int{3, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rr, _, err := newRecordReader(bufio.NewReader(strings.NewReader(tt.data)))
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for {
				raw, err := rr.next()
				if err != nil {
					break
				}
				got = append(got, raw.line)
			}
			eqSlice(t, "lines", got, tt.lines)
		})
	}
}

// The newer hosted API names the model that wrote the summary; a flat
// file of the same feed, which does not, keeps the name.
func TestImportAISummaryModel(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	if _, err := ImportFile(ctx, st, "testdata/hf-api-2026-08-21.json", Options{}); err != nil {
		t.Fatal(err)
	}
	p := getPaper(t, st, "2608.19880")
	eq(t, "model", p.AIModel, "thinkingmachines/Inkling-Small")
	eq(t, "summary", p.AISummary, "EnvHarness and EnvRigger dynamically reshape static environments via programmable plugins "+
		"to target agent weaknesses and improve reinforcement learning co-evolution.")
	eqSlice(t, "keywords", p.AIKeywords, []string{"LLM agents", "Environment Harness", "EnvHarness", "EnvRigger",
		"black-box policy", "execution trajectories", "reinforcement learning", "co-evolution"})

	row := `{"feed_date": "2026-08-21", "arxiv_id": "2608.19880", "title": "EnvHarness: Awakening Static Worlds for Agent Learning", ` +
		`"submitted_on_daily_at": "2026-09-01T00:00:00.000Z", "ai_summary": "` + p.AISummary + `"}`
	sum, err := ImportReader(ctx, st, "later.jsonl", strings.NewReader(row+"\n"), Options{Format: FormatHFJSONL})
	if err != nil || sum.Read != 1 || sum.Skipped != 0 {
		t.Fatalf("the later flat file: %v, %v", sum, err)
	}
	eq(t, "model after a later flat file", getPaper(t, st, "2608.19880").AIModel, "thinkingmachines/Inkling-Small")
}

func TestCleanKeywords(t *testing.T) {
	got := cleanKeywords([]string{" graph  neural\nnetworks ", "", "GNN", "   ", "GNN", "gnn"})
	eqSlice(t, "keywords", got, []string{"graph neural networks", "GNN", "gnn"})
	if cleanKeywords(nil) != nil {
		t.Error("no keywords should stay nil")
	}
	many := make([]string, 80)
	for i := range many {
		many[i] = fmt.Sprint("phrase ", i)
	}
	if n := len(cleanKeywords(many)); n != 50 {
		t.Errorf("kept %d of 80 keywords, want 50", n)
	}
}

// Links keep the rule of the submit form (paper.GitHubRepoURL,
// paper.WebPageURL): a repository elsewhere than GitHub, user information
// in a project page, or a link with markup in it is left out of the
// record, reported with its file and line, and the rest of the record is
// kept.
func TestImportLinksKeepTheFormsRule(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	row := func(id, repo, page string) string {
		return fmt.Sprintf(`{"feed_date": "2025-10-03", "arxiv_id": %q, "title": "A paper", "submitted_on_daily_at": "2025-10-03T08:00:00.000Z", `+
			`"github_repo": %q, "github_stars": 12, "project_page": %q}`, id, repo, page)
	}
	rows := []string{
		row("2510.00001", "https://gitlab.com/owner/repo", "https://user:pw@example.org/"),
		row("2510.00002", `https://github.com/owner/repo">`, `https://example.org/"><script>`),
		row("2510.00003", "https://github.com/Owner/Repo.git", "https://example.org/project?q=1"),
		row("2510.00004", "javascript:alert(1)//github.com/a/b", "javascript:alert(1)"),
	}
	var warn bytes.Buffer
	sum, err := ImportReader(ctx, st, "links.jsonl", strings.NewReader(strings.Join(rows, "\n")+"\n"), Options{Warn: &warn})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Read != 4 || sum.Skipped != 0 || sum.Added != 4 {
		t.Errorf("summary %v: want 4 read and added, none skipped", sum)
	}
	for _, tc := range []struct {
		id         paper.ID
		repo, page string
		stars      int
	}{
		{"2510.00001", "", "", 0},
		{"2510.00002", "", "", 0},
		{"2510.00003", "https://github.com/Owner/Repo", "https://example.org/project?q=1", 12},
		{"2510.00004", "", "", 0},
	} {
		p := getPaper(t, st, tc.id)
		if p.GitHubRepo != tc.repo || p.ProjectPage != tc.page || p.GitHubStars != tc.stars || p.Title != "A paper" {
			t.Errorf("%s: repo %q, page %q, stars %d, title %q; want %q, %q, %d", tc.id, p.GitHubRepo, p.ProjectPage, p.GitHubStars, p.Title, tc.repo, tc.page, tc.stars)
		}
	}
	got := strings.Split(strings.TrimSuffix(warn.String(), "\n"), "\n")
	want := []string{
		`links.jsonl:1: kept without a field: github_repo "https://gitlab.com/owner/repo" left out: not a GitHub repository; project_page "https://user:pw@example.org/" left out`,
		`links.jsonl:2: kept without a field: github_repo "https://github.com/owner/repo\">" left out: not a GitHub repository; project_page "https://example.org/\"><script>" left out`,
		`links.jsonl:4: kept without a field: github_repo "javascript:alert(1)//github.com/a/b" left out`,
	}
	if len(got) != len(want) {
		t.Fatalf("warnings:\n%s", warn.String())
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("warning %d = %q, want %q...", i+1, got[i], want[i])
		}
	}

	// The hosted API's format keeps the same rule.
	text := string(readFile(t, hfAPI))
	text = strings.Replace(text, `"githubRepo": "https://github.com/`, `"githubRepo": "https://evil.example/`, 1)
	st2 := openStore(t)
	warn.Reset()
	if _, err := ImportReader(ctx, st2, "api.json", strings.NewReader(text), Options{Warn: &warn}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(warn.String(), `kept without a field: githubRepo "https://evil.example/`) {
		t.Errorf("API format warnings: %q", warn.String())
	}
}

// The hosted feed's submitters are not local accounts: "Carol" in a record
// leaves the local account carol as she was, and a name that breaks the
// username rules becomes no username, only text to show.
func TestImportSubmittersAreNotAccounts(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	carol, err := st.CreateAccount(ctx, store.Account{User: store.User{Username: "carol", Fullname: "Carol Local"},
		Email: "carol@example.org", PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	row := func(id, by, full string) string {
		return fmt.Sprintf(`{"feed_date": "2025-10-03", "arxiv_id": %q, "title": "A paper", "submitted_on_daily_at": "2025-10-03T08:00:00.000Z", `+
			`"submitted_by": %q, "submitted_by_fullname": %q}`, id, by, full)
	}
	data := strings.Join([]string{
		row("2510.00001", "Carol", "Hosted Carol"),
		row("2510.00002", "evil<script>", ""),
		row("2510.00003", "x y", "Someone Else"),
		row("2510.00004", strings.Repeat("a", 41), ""),
	}, "\n") + "\n"
	if _, err := ImportReader(ctx, st, "feed.jsonl", strings.NewReader(data), Options{}); err != nil {
		t.Fatal(err)
	}
	a, err := st.Account(ctx, carol.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Username != "carol" || a.Fullname != "Carol Local" {
		t.Errorf("the local carol after the import: %+v", a)
	}
	if subs, err := st.UserSubmissions(ctx, carol.ID, 0); err != nil || len(subs) != 0 {
		t.Errorf("the local carol was credited with %d entries, %v", len(subs), err)
	}
	for _, name := range []string{"evil<script>", "x y", strings.Repeat("a", 41)} {
		if _, err := st.UserByName(ctx, name); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UserByName(%q) = %v, want not found", name, err)
		}
		if items, err := st.ImportedSubmissions(ctx, name, 0); err != nil || len(items) != 0 {
			t.Errorf("ImportedSubmissions(%q) = %d entries, %v; want none", name, len(items), err)
		}
	}
	for _, tc := range []struct {
		id   paper.ID
		want store.User
	}{
		{"2510.00001", store.User{Username: "Carol", Fullname: "Hosted Carol", Imported: true}},
		{"2510.00002", store.User{Fullname: "evil<script>", Imported: true}},
		{"2510.00003", store.User{Fullname: "Someone Else", Imported: true}},
		{"2510.00004", store.User{Fullname: strings.Repeat("a", 41), Imported: true}},
	} {
		subs, err := st.Submissions(ctx, tc.id)
		if err != nil || len(subs) != 1 || subs[0].Submitter == nil || *subs[0].Submitter != tc.want {
			t.Errorf("%s: submissions %+v, %v; want one by %+v", tc.id, subs, err, tc.want)
		}
	}
}
