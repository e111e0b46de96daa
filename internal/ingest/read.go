package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
)

// rawRecord is one undecoded record and the line it starts on.
type rawRecord struct {
	line int
	data []byte
}

// recordReader yields the raw records of a JSONL file or a JSON array.
type recordReader interface {
	// next returns io.EOF at the end; other errors make the file unreadable.
	next() (rawRecord, error)
}

// newRecordReader looks at the first bytes to choose JSONL or array
// reading, and returns the first record's bytes for format detection.
func newRecordReader(r *bufio.Reader) (recordReader, []byte, error) {
	first, skipped, err := firstNonSpace(r)
	if err != nil {
		return nil, nil, err
	}
	if first == '[' {
		ar := newArrayReader(r)
		ar.lc.forgotten = skipped
		head, err := ar.peekFirst()
		return ar, head, err
	}
	if first != '{' {
		return nil, nil, fmt.Errorf("starts with %q: not JSON or JSONL", first)
	}
	lr := &lineReader{r: r, line: skipped}
	rec, err := lr.next()
	if err != nil {
		return nil, nil, err
	}
	lr.pending = &rec
	return lr, rec.data, nil
}

// firstNonSpace skips white space and a byte order mark, and returns the
// first other byte and the number of lines skipped.
func firstNonSpace(r *bufio.Reader) (byte, int, error) {
	for i := 0; ; i++ {
		b, err := r.Peek(i + 1)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return 0, 0, errors.New("file is empty")
			}
			return 0, 0, err
		}
		c := b[i]
		if c == 0xEF && i == 0 { // UTF-8 byte order mark
			if bom, _ := r.Peek(3); bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
				r.Discard(3)
				return firstNonSpace(r)
			}
		}
		if c != ' ' && c != '\n' && c != '\r' && c != '\t' {
			lines := bytes.Count(b[:i], []byte{'\n'})
			if i > 0 {
				r.Discard(i)
			}
			return c, lines, nil
		}
		if i > 1<<16 {
			return 0, 0, errors.New("no data in the first 64 KiB")
		}
	}
}

// lineReader reads JSON Lines; blank lines are skipped.
type lineReader struct {
	r       *bufio.Reader
	line    int
	buf     []byte
	pending *rawRecord
}

// maxLine bounds one record; an arXiv record is a few kilobytes.
const maxLine = 64 << 20

func (lr *lineReader) next() (rawRecord, error) {
	if p := lr.pending; p != nil {
		lr.pending = nil
		return *p, nil
	}
	for {
		lr.buf = lr.buf[:0]
		for {
			chunk, err := lr.r.ReadSlice('\n')
			lr.buf = append(lr.buf, chunk...)
			if err == bufio.ErrBufferFull {
				if len(lr.buf) > maxLine {
					return rawRecord{}, fmt.Errorf("line %d: longer than %d MiB", lr.line+1, maxLine>>20)
				}
				continue
			}
			if err != nil && (err != io.EOF || len(lr.buf) == 0) {
				return rawRecord{}, err
			}
			break
		}
		lr.line++
		data := bytes.TrimSpace(lr.buf)
		if len(data) == 0 {
			continue
		}
		return rawRecord{line: lr.line, data: data}, nil
	}
}

// arrayReader reads the elements of one top-level JSON array, keeping
// track of line numbers so that a bad element can be named by its line.
type arrayReader struct {
	lc      *lineCounter
	dec     *json.Decoder
	started bool
	pending *rawRecord
}

func newArrayReader(r io.Reader) *arrayReader {
	lc := &lineCounter{r: r}
	return &arrayReader{lc: lc, dec: json.NewDecoder(lc)}
}

func (ar *arrayReader) peekFirst() ([]byte, error) {
	rec, err := ar.next()
	if err == io.EOF {
		return nil, errors.New("the JSON array is empty")
	}
	if err != nil {
		return nil, err
	}
	ar.pending = &rec
	return rec.data, nil
}

func (ar *arrayReader) next() (rawRecord, error) {
	if p := ar.pending; p != nil {
		ar.pending = nil
		return *p, nil
	}
	if !ar.started {
		if _, err := ar.dec.Token(); err != nil { // the opening [
			return rawRecord{}, err
		}
		ar.started = true
	}
	if !ar.dec.More() {
		if _, err := ar.dec.Token(); err != nil { // the closing ]
			return rawRecord{}, fmt.Errorf("line %d: %w", ar.lc.lineAt(ar.dec.InputOffset()), err)
		}
		return rawRecord{}, io.EOF
	}
	var raw json.RawMessage
	if err := ar.dec.Decode(&raw); err != nil {
		return rawRecord{}, fmt.Errorf("line %d: %w", ar.lc.lineAt(ar.dec.InputOffset()), err)
	}
	start := ar.dec.InputOffset() - int64(len(raw))
	line := ar.lc.lineAt(start)
	ar.lc.forget(start)
	return rawRecord{line: line, data: raw}, nil
}

// lineCounter remembers where the newlines it has passed on are, from the
// last position still of interest, so memory stays flat.
type lineCounter struct {
	r         io.Reader
	offset    int64   // bytes read so far
	newlines  []int64 // offsets of newlines not yet forgotten
	forgotten int     // newlines before those
}

func (lc *lineCounter) Read(p []byte) (int, error) {
	n, err := lc.r.Read(p)
	for i, c := range p[:n] {
		if c == '\n' {
			lc.newlines = append(lc.newlines, lc.offset+int64(i))
		}
	}
	lc.offset += int64(n)
	return n, err
}

// lineAt is the 1-based line of the byte at offset.
func (lc *lineCounter) lineAt(offset int64) int {
	return lc.forgotten + sort.Search(len(lc.newlines), func(i int) bool { return lc.newlines[i] >= offset }) + 1
}

// forget drops newlines before offset.
func (lc *lineCounter) forget(offset int64) {
	k := sort.Search(len(lc.newlines), func(i int) bool { return lc.newlines[i] >= offset })
	lc.forgotten += k
	lc.newlines = append(lc.newlines[:0], lc.newlines[k:]...)
}
