package bench

// The input of the scale check (scale_test.go): Kaggle's
// arxiv-metadata-oai-snapshot.json format, one JSON object a line, made on
// the fly from the search benchmarks' corpus (searchcorpus_test.go): the
// real papers of the two shared arXiv files first, then synthetic copies
// of them (paperAt: two title words swapped, the abstract's sentences
// rotated) under new arXiv ids, up to the number of papers asked for.

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/dailypapers/dailypapers/internal/paper"
)

// scaleExtra is what the Kaggle records carry of a real paper beyond
// what the search corpus keeps: its comments, DOI and last update.
type scaleExtra struct {
	comments, doi string // in the arena
	updated       int64  // Unix time of the last version's date, 0 when unknown
	set           bool
}

// scaleExtraLine is what loadScaleExtras reads of a line of the arXiv files.
type scaleExtraLine struct {
	ArxivID  string `json:"arxiv_id"`
	Comment  string `json:"comment"`
	Comments string `json:"comments"`
	DOI      string `json:"doi"`
	Updated  string `json:"updated"`
}

// loadScaleExtras reads the comments, DOIs and update dates of the real
// papers of c, which the search corpus does not keep, from the same files
// in the same order (the first record of an id wins, as in readFile).
func loadScaleExtras(dir string, c *searchCorpus) ([]scaleExtra, int, error) {
	extras := make([]scaleExtra, len(c.real))
	var a arena
	for _, f := range arxivFiles {
		r, wait, err := xzReader(filepath.Join(dir, f))
		if err != nil {
			return nil, 0, err
		}
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		line := 0
		for sc.Scan() {
			line++
			var row scaleExtraLine
			if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
				return nil, 0, fmt.Errorf("%s:%d: %w", f, line, err)
			}
			id, _, err := paper.ParseID(row.ArxivID)
			if err != nil {
				return nil, 0, fmt.Errorf("%s:%d: %w", f, line, err)
			}
			i, ok := c.byID[id]
			if !ok || extras[i].set {
				continue
			}
			e := scaleExtra{set: true, comments: a.str(paper.CleanText(row.Comments + row.Comment)), doi: a.str(strings.TrimSpace(row.DOI))}
			if t, err := time.Parse(time.DateOnly, row.Updated); err == nil {
				e.updated = t.Unix()
			}
			extras[i] = e
		}
		if err := sc.Err(); err != nil {
			return nil, 0, fmt.Errorf("%s: %w", f, err)
		}
		if err := wait(); err != nil {
			return nil, 0, fmt.Errorf("%s: %w", f, err)
		}
	}
	return extras, a.size, nil
}

// kaggleGen writes papers 0..n-1 of the corpus as Kaggle snapshot lines.
type kaggleGen struct {
	c      *searchCorpus
	extras []scaleExtra
	n      int
}

// synthetic is how many of the n records are synthetic copies.
func (g *kaggleGen) synthetic() int { return g.c.synthetic(g.n) }

// describe says what the records are, for the output.
func (g *kaggleGen) describe() string {
	real := min(g.n, len(g.c.real))
	if g.synthetic() == 0 {
		return fmt.Sprintf("%d Kaggle-format records, all real arXiv papers (of %d read from the shared files)", g.n, len(g.c.real))
	}
	return fmt.Sprintf("%d Kaggle-format records = %d real arXiv papers + %d SYNTHETIC copies of them "+
		"(new ids %s..%s, two title words swapped, abstract sentences rotated, same authors, categories, comments, DOI and dates; deterministic)",
		g.n, real, g.synthetic(), scaleSyntheticID(0), scaleSyntheticID(g.synthetic()-1))
}

// scaleSyntheticID is the arXiv id of synthetic copy s (0, 1, ...): new-style
// ids from January 2050 on, 100,000 a month ("5001.00000" .. "5001.99999",
// "5002.00000", ...), which paper.ParseID accepts and no real paper has.
func scaleSyntheticID(s int) string {
	return string(appendSyntheticID(nil, s))
}

func appendSyntheticID(dst []byte, s int) []byte {
	m := s / 100000
	yy, mm, num := 50+m/12, m%12+1, s%100000
	dst = strconv.AppendInt(dst, int64(yy), 10)
	if mm < 10 {
		dst = append(dst, '0')
	}
	dst = strconv.AppendInt(dst, int64(mm), 10)
	dst = append(dst, '.')
	for d := 10000; d > 1 && num < d; d /= 10 {
		dst = append(dst, '0')
	}
	return strconv.AppendInt(dst, int64(num), 10)
}

// idAt is the arXiv id of record i.
func (g *kaggleGen) idAt(i int) paper.ID {
	if i < len(g.c.real) {
		return g.c.real[i].id
	}
	return paper.ID(scaleSyntheticID(i - len(g.c.real)))
}

// writeTo writes the n records to w; the writing stops at the first error.
func (g *kaggleGen) writeTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	buf := make([]byte, 0, 64<<10)
	var written int64
	for i := 0; i < g.n; i++ {
		buf = g.appendRecord(buf[:0], i)
		n, err := bw.Write(buf)
		written += int64(n)
		if err != nil {
			return written, err
		}
	}
	return written, bw.Flush()
}

// kaggleTime is how the snapshot writes a version's date.
const kaggleTime = "Mon, 2 Jan 2006 15:04:05 GMT"

// appendRecord appends record i, a line of JSON, to dst. The fields and
// their order are those of the snapshot; its text is wrapped at about 80
// columns, as arXiv's metadata is.
func (g *kaggleGen) appendRecord(dst []byte, i int) []byte {
	r := i % len(g.c.real)
	rec := &g.c.real[r]
	ex := &g.extras[r]
	p := g.c.paperAt(i)

	dst = append(dst, `{"id":"`...)
	if i < len(g.c.real) {
		dst = append(dst, rec.id...)
	} else {
		dst = appendSyntheticID(dst, i-len(g.c.real))
	}
	dst = append(dst, `","submitter":"","authors":`...)
	names := p.AuthorNames()
	dst = quote(dst, strings.Join(names, ", "))
	dst = append(dst, `,"title":`...)
	dst = quote(dst, wrapText(p.Title, 80, "\n  "))
	dst = append(dst, `,"comments":`...)
	dst = quoteOrNull(dst, ex.comments)
	dst = append(dst, `,"journal-ref":null,"doi":`...)
	dst = quoteOrNull(dst, ex.doi)
	dst = append(dst, `,"report-no":null,"categories":`...)
	dst = quote(dst, kaggleCategories(p.Categories))
	dst = append(dst, `,"license":null,"abstract":`...)
	dst = quote(dst, "  "+wrapText(p.Abstract, 80, "\n")+"\n")

	// v1 on the day the paper was first submitted (the day before its
	// first listing when only that is known), at a time of day of its own;
	// v2 on the day of its last update, when that is later.
	created := rec.published
	if created == 0 {
		if t, err := time.Parse(time.DateOnly, rec.listed); err == nil {
			created = t.Unix() - 86400
		} else {
			created = 1735689600 // 2025-01-01, for a record with no date at all
		}
	}
	created += int64(mix64(uint64(r)) % 86400)
	dst = append(dst, `,"versions":[{"version":"v1","created":"`...)
	dst = time.Unix(created, 0).UTC().AppendFormat(dst, kaggleTime)
	updated := created
	if ex.updated > created {
		updated = ex.updated + int64(mix64(uint64(r)+1)%86400)
		dst = append(dst, `"},{"version":"v2","created":"`...)
		dst = time.Unix(updated, 0).UTC().AppendFormat(dst, kaggleTime)
	}
	dst = append(dst, `"}],"update_date":"`...)
	dst = time.Unix(updated, 0).UTC().AppendFormat(dst, time.DateOnly)
	dst = append(dst, `","authors_parsed":[`...)
	for k, name := range names {
		if k > 0 {
			dst = append(dst, ',')
		}
		first, last := "", name
		if j := strings.LastIndexByte(name, ' '); j > 0 {
			first, last = name[:j], name[j+1:]
		}
		dst = append(dst, '[')
		dst = quote(dst, last)
		dst = append(dst, ',')
		dst = quote(dst, first)
		dst = append(dst, `,""]`...)
	}
	return append(dst, "]}\n"...)
}

// kaggleCategories are the categories as the snapshot lists them, space
// separated, primary first; the MSC and ACM classes that some daily
// listings mix in ("68T05, 68T07", "I.2.6") are left out, as the
// snapshot has them in fields of their own.
func kaggleCategories(cats []string) string {
	out := make([]string, 0, len(cats))
	for _, c := range cats {
		if c != "" && c[0] >= 'a' && c[0] <= 'z' && !strings.ContainsAny(c, " ,;0123456789") {
			out = append(out, c)
		}
	}
	return strings.Join(out, " ")
}

// quote appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func quote(dst []byte, s string) []byte {
	dst, _ = jsontext.AppendQuote(dst, s)
	return dst
}

func quoteOrNull(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, "null"...)
	}
	return quote(dst, s)
}

// wrapText breaks s into lines of at most about width bytes at spaces,
// joined with sep.
func wrapText(s string, width int, sep string) string {
	if len(s) <= width {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/width*len(sep))
	col := 0
	for len(s) > 0 {
		j := strings.IndexByte(s, ' ')
		word := s
		if j >= 0 {
			word, s = s[:j], s[j+1:]
		} else {
			s = ""
		}
		switch {
		case col == 0:
		case col+1+len(word) > width:
			b.WriteString(sep)
			col = 0
		default:
			b.WriteByte(' ')
			col++
		}
		b.WriteString(word)
		col += len(word)
	}
	return b.String()
}
