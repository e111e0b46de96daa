// Package ingest loads papers into the store: importers for the hosted
// feed's JSON, its flattened JSONL, arXiv metadata JSONL and the Kaggle
// arXiv snapshot, plain or compressed, streaming and idempotent.
package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync/atomic"

	"github.com/ulikunitz/xz"
)

var (
	gzipMagic = []byte{0x1f, 0x8b}
	xzMagic   = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
)

// countingReader counts the bytes read through it, for progress.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// input is an opened, decompressed file.
type input struct {
	r      *bufio.Reader
	raw    *countingReader // bytes of the file itself, compressed or not
	size   int64
	finish func() error // reports a decompression failure found only at the end
	close  func() error
}

// openFile opens path and undoes gzip or xz compression, recognised by
// their magic bytes rather than by the file name.
func openFile(path string) (*input, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st.IsDir() {
		f.Close()
		return nil, errors.New("is a directory")
	}
	in, err := decompress(f, st.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	inner := in.close
	in.close = func() error { return errors.Join(inner(), f.Close()) }
	return in, nil
}

// decompress wraps r (size bytes, -1 when unknown) in the decompressor its
// first bytes ask for.
func decompress(r io.Reader, size int64) (*input, error) {
	raw := &countingReader{r: r}
	br := bufio.NewReaderSize(raw, 1<<16)
	magic, _ := br.Peek(6)
	in := &input{raw: raw, size: size, finish: func() error { return nil }, close: func() error { return nil }}
	switch {
	case bytes.HasPrefix(magic, gzipMagic):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		in.r = bufio.NewReaderSize(zr, 1<<20)
		in.close = zr.Close
	case bytes.HasPrefix(magic, xzMagic):
		if err := xzReader(in, br); err != nil {
			return nil, err
		}
	default:
		in.r = bufio.NewReaderSize(br, 1<<20)
	}
	return in, nil
}

// xzReader prefers the system's xz, which decompresses about twice as fast
// as the pure-Go reader and runs on the other core (see BENCHMARKS.md);
// without it, github.com/ulikunitz/xz does the work in process.
func xzReader(in *input, br *bufio.Reader) error {
	if path, err := exec.LookPath("xz"); err == nil && os.Getenv("DAILYPAPERS_PURE_GO_XZ") == "" {
		cmd := exec.Command(path, "--decompress", "--stdout")
		cmd.Stdin = br
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			return err
		}
		if err := cmd.Start(); err != nil {
			return err
		}
		in.r = bufio.NewReaderSize(out, 1<<20)
		waited := false
		in.finish = func() error {
			// Drain so that xz sees the whole file and reports truncation.
			_, _ = io.Copy(io.Discard, in.r)
			waited = true
			if err := cmd.Wait(); err != nil {
				return fmt.Errorf("xz: %s", bytes.TrimSpace(stderr.Bytes()))
			}
			return nil
		}
		in.close = func() error {
			if !waited {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
			}
			return nil
		}
		return nil
	}
	zr, err := xz.NewReader(br)
	if err != nil {
		return fmt.Errorf("xz: %w", err)
	}
	in.r = bufio.NewReaderSize(zr, 1<<20)
	return nil
}
