package static

import (
	"bufio"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
)

// Record is a paper as training sees it.
type Record struct {
	ID       string `json:"arxiv_id"`
	Title    string `json:"title"`
	Abstract string `json:"abstract"`
	// Summary is the hosted feed's one-sentence summary (ai_summary), when
	// the record comes from it: a query in other words than the abstract's.
	Summary string `json:"ai_summary"`
	// Category is the arXiv listing's primary category ("cs.CV"); the
	// hosted feed's records have none.
	Category string `json:"primary_category"`
}

// ReadRecords calls fn with each record of a JSONL file of papers (the
// arXiv listing's or the hosted feed's: both name the fields alike). A
// line that is not a JSON object is an error naming the line; records
// without an id or an abstract are skipped.
func ReadRecords(r io.Reader, fn func(Record) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var rec Record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		if rec.ID == "" || strings.TrimSpace(rec.Abstract) == "" {
			continue
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	return sc.Err()
}

// HeldOut reports whether the paper of this id belongs to the development
// collection when one paper in every is held out: the CRC-32 (IEEE) of the
// id is a multiple of every. scripts/arxiv-dev-collection.py applies the
// same rule (Python's zlib.crc32), so that settings are chosen on papers
// the model never saw. every <= 0 holds nothing out.
func HeldOut(id string, every int) bool {
	return every > 0 && crc32.ChecksumIEEE([]byte(id))%uint32(every) == 0
}

// Merge joins records of the same paper (the hosted feed repeats papers
// of the arXiv listing, with a summary), keeping the first of each id in
// order and filling its empty fields from the later ones.
func Merge(recs []Record) []Record {
	at := make(map[string]int, len(recs))
	var out []Record
	for _, r := range recs {
		i, ok := at[r.ID]
		if !ok {
			at[r.ID] = len(out)
			out = append(out, r)
			continue
		}
		o := &out[i]
		if o.Title == "" {
			o.Title = r.Title
		}
		if o.Summary == "" {
			o.Summary = r.Summary
		}
		if o.Category == "" {
			o.Category = r.Category
		}
	}
	return out
}

// OutsideFields reports whether a paper of this primary category lies
// outside fields, a list of categories ("cs.CV") and archives ("cs"):
// training on some fields only and developing on the others shows what
// the vectors are worth on papers of a field they never saw, as the
// evaluation collections are. A paper without a category (the hosted
// feed's, when the listing lacks it) is taken to be inside; no fields
// put nothing outside. scripts/arxiv-dev-collection.py --outside applies
// the same rule.
func OutsideFields(category string, fields []string) bool {
	if len(fields) == 0 || category == "" {
		return false
	}
	archive, _, _ := strings.Cut(category, ".")
	for _, f := range fields {
		if f == category || f == archive {
			return false
		}
	}
	return true
}

// sentences splits an abstract after '.', '?' or '!' followed by white
// space and an upper-case letter or a digit, which keeps "e.g. the" and
// "Fig. 3" mostly whole; good enough to make training pairs.
func sentences(text string) []string {
	var out []string
	start := 0
	for i := 0; i+2 < len(text); i++ {
		c := text[i]
		if c != '.' && c != '?' && c != '!' {
			continue
		}
		if text[i+1] != ' ' && text[i+1] != '\n' {
			continue
		}
		n := text[i+2]
		if !(n >= 'A' && n <= 'Z' || n >= '0' && n <= '9') {
			continue
		}
		if s := strings.TrimSpace(text[start : i+1]); s != "" {
			out = append(out, s)
		}
		start = i + 2
	}
	if s := strings.TrimSpace(text[start:]); s != "" {
		out = append(out, s)
	}
	return out
}
