package ingest

// The test binary of this package links SQLite, and fuzzing instruments all
// of it: minimising each new input then takes long enough to stall the
// fuzzers. Run them with a short minimisation time, for example
//
//	go test -run='^$' -fuzz=FuzzDecodeRecord -fuzztime=30s -fuzzminimizetime=2s ./internal/ingest/

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
)

// seedRecords are real records of every format, and spoilt copies of some.
func seedRecords(t testing.TB) map[Format][]string {
	seeds := map[Format][]string{
		FormatHFJSONL:    lines(t, hfJSONL)[:8],
		FormatArxivJSONL: append(lines(t, arxivDaily)[:6], lines(t, arxivArchive)[:6]...),
		FormatKaggle:     lines(t, kaggle)[:8],
	}
	var items []json.RawMessage
	if err := json.Unmarshal(readFile(t, hfAPI), &items); err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		seeds[FormatHFAPI] = append(seeds[FormatHFAPI], string(it))
	}
	first := seeds[FormatHFJSONL][0]
	seeds[FormatHFJSONL] = append(seeds[FormatHFJSONL],
		first[:len(first)/2],
		upvotesRE.ReplaceAllString(first, `"upvotes": "many"`),
		upvotesRE.ReplaceAllString(first, `"upvotes": -3`),
		strings.Replace(first, `"arxiv_id": "2510.02245"`, `"arxiv_id": "math.GT/0309136v3"`, 1),
		strings.Replace(first, `"github_repo": null`, `"github_repo": "javascript:alert(1)"`, 1),
		`null`, `[]`, `{}`, `{"arxiv_id": "2510.02245", "title": "x", "feed_date": "2025-10-03"}`)
	return seeds
}

// FuzzDecodeRecord checks what every decoded record promises the store.
func FuzzDecodeRecord(f *testing.F) {
	for fi, format := range Formats {
		for _, s := range seedRecords(f)[format] {
			f.Add(uint8(fi), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, fi uint8, data []byte) {
		format := Formats[int(fi)%len(Formats)]
		rec, err := decodeRecord(format, data)
		if err != nil {
			return
		}
		p := rec.Paper
		if id, v, err := paper.ParseID(string(p.ID)); err != nil || id != p.ID || v != 0 {
			t.Fatalf("id %q is not canonical: %q, %d, %v", p.ID, id, v, err)
		}
		if p.Title == "" || p.Title != paper.CleanText(p.Title) || p.Abstract != paper.CleanText(p.Abstract) {
			t.Fatalf("title %q / abstract %.40q not clean", p.Title, p.Abstract)
		}
		for _, a := range p.Authors {
			if a.Name == "" || a.Name != paper.CleanText(a.Name) {
				t.Fatalf("author name %q", a.Name)
			}
		}
		for _, c := range p.Categories {
			// The store keeps categories space-separated.
			if c == "" || strings.ContainsAny(c, " \t\n\r\v\f") || len(strings.Fields(c)) != 1 {
				t.Fatalf("category %q would not survive the store", c)
			}
		}
		for _, v := range p.Versions {
			if v.N < 1 {
				t.Fatalf("version %d", v.N)
			}
		}
		if p.Upvotes < 0 || p.NumComments < 0 || p.GitHubStars < 0 {
			t.Fatalf("negative counts: %d, %d, %d", p.Upvotes, p.NumComments, p.GitHubStars)
		}
		for _, u := range []string{p.GitHubRepo, p.ProjectPage} {
			if u != "" && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
				t.Fatalf("link %q", u)
			}
		}
		if p.Listed != "" {
			if _, err := time.Parse(time.DateOnly, p.Listed); err != nil {
				t.Fatalf("listed %q", p.Listed)
			}
		}
		feedFormat := format == FormatHFAPI || format == FormatHFJSONL
		if (rec.Submission != nil) != feedFormat {
			t.Fatalf("%s record with submission %v", format, rec.Submission)
		}
		if s := rec.Submission; s != nil {
			if _, err := time.Parse(time.DateOnly, s.Day); err != nil {
				t.Fatalf("feed day %q", s.Day)
			}
			if s.SubmittedAt.IsZero() || !p.AsOf.Equal(s.SubmittedAt) {
				t.Fatalf("submitted at %v, as of %v", s.SubmittedAt, p.AsOf)
			}
		}
		again, err := decodeRecord(format, data)
		if err != nil || !paper.Equal(again.Paper, p) {
			t.Fatalf("decoding twice differs: %v", err)
		}
	})
}

// FuzzRecordReader checks the JSONL and JSON array readers on arbitrary bytes.
func FuzzRecordReader(f *testing.F) {
	for _, file := range allFiles {
		data := readFile(f, file)
		if len(data) > 4096 {
			data = data[:4096]
		}
		f.Add(data)
	}
	for _, s := range []string{"", " ", "[]", "[ ]", "[{}]", "[{},{}]", "[\n{}\n,\n{}\n]", "\n\n{}\n\n{}", "\xEF\xBB\xBF{}", "\xEF\xBB", "[1,", "{\n", "[{\"a\":[1,2,{\"b\":\"]\"}]}]", "\r\n{}\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rr, first, err := newRecordReader(bufio.NewReader(bytes.NewReader(data)))
		if err != nil {
			return
		}
		maxLine := bytes.Count(data, []byte{'\n'}) + 1
		rest := data
		for bytes.HasPrefix(rest, []byte("\xEF\xBB\xBF")) {
			rest = rest[3:]
		}
		isArray := bytes.HasPrefix(bytes.TrimLeft(rest, " \t\r\n"), []byte("["))
		last := 0
		for n := 0; ; n++ {
			raw, err := rr.next()
			if err != nil {
				if n == 0 && err == io.EOF {
					t.Fatal("a first record was peeked, but next returned EOF")
				}
				return
			}
			if n == 0 && !bytes.Equal(raw.data, first) {
				t.Fatalf("first record %q, peeked %q", raw.data, first)
			}
			if len(raw.data) == 0 {
				t.Fatalf("empty record at line %d", raw.line)
			}
			if raw.line < 1 || raw.line > maxLine || raw.line < last || (!isArray && raw.line == last) {
				t.Fatalf("record %d at line %d after line %d (the input has %d lines)", n, raw.line, last, maxLine)
			}
			if isArray && !json.Valid(raw.data) {
				t.Fatalf("array element %q is not JSON", raw.data)
			}
			if !isArray && bytes.ContainsAny(raw.data, "\n") {
				t.Fatalf("JSONL record %q spans lines", raw.data)
			}
			last = raw.line
		}
	})
}

// FuzzImportReader imports arbitrary bytes into one store: an import either
// fails and leaves the store as it was, or its counts add up.
func FuzzImportReader(f *testing.F) {
	st := openStore(f)
	ctx := context.Background()
	for _, file := range allFiles {
		if file == hfAPI {
			f.Add(readFile(f, file))
			continue
		}
		f.Add([]byte(strings.Join(lines(f, file)[:3], "\n") + "\n"))
	}
	seeds := seedRecords(f)
	f.Add([]byte(strings.Join(seeds[FormatHFJSONL], "\n")))
	two := []byte(strings.Join(lines(f, hfJSONL)[:2], "\n") + "\n")
	f.Add(gzipBytes(f, two))
	f.Add(xzGo(f, two))
	api := readFile(f, hfAPI)
	f.Add(api[:len(api)/2])
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, data []byte) {
		before := stats(t, st)
		sum, err := ImportReader(ctx, st, "fuzz", bytes.NewReader(data), Options{BatchSize: 3})
		after := stats(t, st)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz:") {
				t.Fatalf("error %q does not name the input", err)
			}
			if after != before {
				t.Fatalf("failed import changed the store: %+v -> %+v (%v)", before, after, err)
			}
			return
		}
		if sum.Skipped < 0 || sum.Skipped > sum.Read || sum.Added+sum.Updated+sum.Unchanged != sum.Read-sum.Skipped {
			t.Fatalf("counts do not add up: %+v", sum)
		}
		if after.Papers != before.Papers+sum.Added {
			t.Fatalf("%d papers added, but the store went from %d to %d", sum.Added, before.Papers, after.Papers)
		}
	})
}
