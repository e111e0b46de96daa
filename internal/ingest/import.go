package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/dailypapers/dailypapers/internal/store"
)

// Importer is what an import needs of the store: one transaction to write
// its records in (store.Store satisfies it).
type Importer interface {
	BeginImport(ctx context.Context) (store.Import, error)
}

// Options tune an import.
type Options struct {
	// Format forces a format; "" detects it from the first record.
	Format Format
	// Warn receives one line per bad record ("file:line: skipped: reason") or
	// record kept without a bad field ("file:line: kept without a field: reason");
	// nil discards them.
	Warn io.Writer
	// MaxWarnings caps the lines written to Warn (0: 20); the rest are only counted.
	MaxWarnings int
	// Progress, when set, is told about progress every few thousand records.
	Progress func(Progress)
	// BatchSize is the number of records written per store call (0: 500).
	BatchSize int
}

// Progress is a snapshot of a running import.
type Progress struct {
	File      string
	BytesRead int64 // of the file as stored (compressed)
	Size      int64 // of the file as stored, -1 when unknown
	Records   int
}

// Summary is what an import did.
type Summary struct {
	File    string
	Format  Format
	Read    int // records read, good or bad
	Skipped int // bad records, reported and left out
	store.ImportCounts
	Elapsed time.Duration
}

func (s Summary) String() string {
	rate := 0.0
	if secs := s.Elapsed.Seconds(); secs > 0 {
		rate = float64(s.Read) / secs
	}
	return fmt.Sprintf("%s (%s): read %d, added %d, updated %d, unchanged %d, skipped %d bad, in %.1fs (%.0f records/s)",
		s.File, s.Format, s.Read, s.Added, s.Updated, s.Unchanged, s.Skipped, s.Elapsed.Seconds(), rate)
}

// FileError says which file (and line, when known) an import failed on.
type FileError struct {
	File string
	Line int
	Err  error
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// ImportFile imports one file in one transaction: when the file turns out
// to be unreadable part-way (truncated, corrupt compression, broken JSON
// array), nothing of it is kept. Bad records are reported and skipped.
func ImportFile(ctx context.Context, st Importer, path string, opt Options) (Summary, error) {
	in, err := openFile(path)
	if err != nil {
		return Summary{File: path}, &FileError{File: path, Err: err}
	}
	defer in.close()
	return importInput(ctx, st, path, in, opt)
}

// ImportReader imports a stream (plain, gzip or xz) named name in messages.
func ImportReader(ctx context.Context, st Importer, name string, r io.Reader, opt Options) (Summary, error) {
	in, err := decompress(r, -1)
	if err != nil {
		return Summary{File: name}, &FileError{File: name, Err: err}
	}
	defer in.close()
	return importInput(ctx, st, name, in, opt)
}

// batch is a run of decoded records and the bad records met on the way.
type batch struct {
	recs    []store.Record
	read    int
	skipped int
	err     error // a fatal read error ends the stream
}

func importInput(ctx context.Context, st Importer, name string, in *input, opt Options) (Summary, error) {
	start := time.Now()
	sum := Summary{File: name}
	rr, first, err := newRecordReader(in.r)
	if err != nil {
		return sum, &FileError{File: name, Err: errors.Join(err, in.finish())}
	}
	sum.Format = opt.Format
	if sum.Format == "" {
		if sum.Format, err = detectFormat(first); err != nil {
			return sum, &FileError{File: name, Line: 1, Err: err}
		}
	}
	size := opt.BatchSize
	if size <= 0 {
		size = 500
	}
	warnings := 0
	maxWarn := opt.MaxWarnings
	if maxWarn <= 0 {
		maxWarn = 20
	}
	warn := func(line int, what string, err error) {
		warnings++
		if opt.Warn != nil && warnings <= maxWarn {
			fmt.Fprintf(opt.Warn, "%s:%d: %s: %v\n", name, line, what, err)
		}
	}

	// Decoding runs on its own goroutine, ahead of the writer, so that JSON
	// parsing and SQLite writing use both cores.
	ctx, cancel := context.WithCancel(ctx)
	batches := make(chan batch, 4)
	decoding := make(chan struct{})
	// However this function returns, the decoder stops first: it writes to
	// opt.Warn and reads the input, which the caller closes.
	defer func() {
		cancel()
		<-decoding
	}()
	go func() {
		defer close(decoding)
		defer close(batches)
		b := batch{recs: make([]store.Record, 0, size)}
		for {
			if ctx.Err() != nil {
				return // the writer has given up
			}
			raw, err := rr.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.err = err
				break
			}
			b.read++
			rec, err := decodeRecord(sum.Format, raw.data)
			var dropped *FieldsDropped
			switch {
			case errors.As(err, &dropped):
				warn(raw.line, "kept without a field", err)
				b.recs = append(b.recs, rec)
			case err != nil:
				b.skipped++
				warn(raw.line, "skipped", err)
			default:
				b.recs = append(b.recs, rec)
			}
			if b.read >= size {
				select {
				case batches <- b:
				case <-ctx.Done():
					return
				}
				b = batch{recs: make([]store.Record, 0, size)}
			}
		}
		if b.err == nil {
			b.err = in.finish()
		}
		select {
		case batches <- b:
		case <-ctx.Done():
		}
	}()

	im, err := st.BeginImport(ctx)
	if err != nil {
		return sum, &FileError{File: name, Err: err}
	}
	defer im.Rollback()
	lastReport := time.Now()
	for b := range batches {
		sum.Read += b.read
		sum.Skipped += b.skipped
		if len(b.recs) > 0 {
			counts, err := im.Write(ctx, b.recs)
			if err != nil {
				return sum, &FileError{File: name, Err: fmt.Errorf("nothing imported: %w", err)}
			}
			sum.ImportCounts.Add(counts)
		}
		if b.err != nil {
			return sum, &FileError{File: name, Err: fmt.Errorf("unreadable after %d records, nothing imported: %w", sum.Read, b.err)}
		}
		if opt.Progress != nil && time.Since(lastReport) > 100*time.Millisecond {
			lastReport = time.Now()
			opt.Progress(Progress{File: name, BytesRead: in.raw.n.Load(), Size: in.size, Records: sum.Read})
		}
	}
	if err := ctx.Err(); err != nil {
		return sum, &FileError{File: name, Err: fmt.Errorf("interrupted, nothing imported: %w", err)}
	}
	if err := im.Commit(); err != nil {
		return sum, &FileError{File: name, Err: err}
	}
	if opt.Progress != nil {
		opt.Progress(Progress{File: name, BytesRead: in.raw.n.Load(), Size: in.size, Records: sum.Read})
	}
	if opt.Warn != nil && warnings > maxWarn {
		fmt.Fprintf(opt.Warn, "%s: %d more bad records skipped\n", name, warnings-maxWarn)
	}
	sum.Elapsed = time.Since(start)
	return sum, nil
}
