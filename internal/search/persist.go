package search

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// The snapshot file format: a magic, a format version, the store position
// the index has caught up with, then documents, then terms with their
// postings (document numbers delta-encoded), and a CRC-32 of all of it. A
// snapshot that does not check out is ignored and the index rebuilt: the
// store is the source of truth, the snapshot only saves time.
const (
	snapshotMagic   = "DPIX"
	snapshotVersion = 2 // 2: 8-bit impacts
)

// ErrNoSnapshot means there is no usable snapshot.
var ErrNoSnapshot = errors.New("search: no usable index snapshot")

type snapWriter struct {
	w   *bufio.Writer
	crc hash.Hash32
	err error
	buf [binary.MaxVarintLen64]byte
}

func (s *snapWriter) bytes(b []byte) {
	if s.err == nil {
		s.crc.Write(b)
		_, s.err = s.w.Write(b)
	}
}
func (s *snapWriter) uvarint(v uint64) { s.bytes(s.buf[:binary.PutUvarint(s.buf[:], v)]) }
func (s *snapWriter) varint(v int64)   { s.bytes(s.buf[:binary.PutVarint(s.buf[:], v)]) }
func (s *snapWriter) str(v string)     { s.uvarint(uint64(len(v))); s.bytes([]byte(v)) }
func (s *snapWriter) f64(v float64)    { s.uvarint(math.Float64bits(v)) }

// tempPattern names the temporary files a snapshot is written to.
const tempPattern = ".search-*.tmp"

// writeSnapshot saves the index and its store position to path, through a
// temporary file renamed into place, so a crash leaves the old snapshot.
// The directory is made if missing: with PostgreSQL (--db) nothing else
// may have made it. The temporary file stays locked until it is renamed,
// which tells removeStaleTemps in another process that it is in use.
func (ix *Index) writeSnapshot(path string, cursor store.Cursor, version int64) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("search: write snapshot: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), tempPattern)
	if err != nil {
		return fmt.Errorf("search: write snapshot: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := lockFile(tmp); err != nil {
		return fmt.Errorf("search: write snapshot: lock %s: %w", tmp.Name(), err)
	}
	w := &snapWriter{w: bufio.NewWriterSize(tmp, 1<<20), crc: crc32.NewIEEE()}
	w.bytes([]byte(snapshotMagic))
	w.uvarint(snapshotVersion)
	w.varint(cursor.Rev)
	w.varint(cursor.Seq)
	w.varint(version)
	for _, v := range ix.lenSum {
		w.f64(v)
	}
	w.uvarint(uint64(len(ix.docs)))
	for i := range ix.docs {
		m := &ix.docs[i]
		w.str(string(m.id))
		for _, l := range m.lens {
			w.uvarint(uint64(l))
		}
		w.varint(int64(m.day))
		flags := uint64(0)
		if m.hasCode {
			flags |= 1
		}
		if m.deleted {
			flags |= 2
		}
		w.uvarint(flags)
		w.uvarint(uint64(len(m.cats)))
		for _, c := range m.cats {
			w.str(c)
		}
	}
	w.uvarint(uint64(len(ix.terms)))
	for id, t := range ix.terms {
		w.str(t)
		list := ix.post[id]
		w.uvarint(uint64(len(list)))
		prev := uint32(0)
		for _, p := range list {
			w.uvarint(uint64(p.doc() - prev))
			prev = p.doc()
			w.uvarint(uint64(p.imp()))
			w.uvarint(uint64(p.tf()))
		}
	}
	if w.err != nil {
		return fmt.Errorf("search: write snapshot: %w", w.err)
	}
	sum := w.crc.Sum32()
	var tail [4]byte
	binary.LittleEndian.PutUint32(tail[:], sum)
	w.w.Write(tail[:])
	if err := errors.Join(w.w.Flush(), tmp.Sync()); err != nil {
		return fmt.Errorf("search: write snapshot: %w", err)
	}
	// Renamed while still open and locked; the deferred Close unlocks it.
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("search: write snapshot: %w", err)
	}
	return nil
}

// tempGrace is how young a temporary file is left alone even when it is
// not locked: its writer locks it just after creating it. Elsewhere than
// on Unix, where there is no lock to ask, a file must be a day old.
const tempGrace = 10 * time.Second

// removeStaleTemps removes the snapshot temporary files in dir that no
// live process is writing: those a SIGKILL or a power cut left behind,
// which nothing else would ever remove. Several processes may share a
// data directory (serve and a reindex, say), so a file is stale only if
// its lock can be taken (its writer has died, taking its lock with it)
// and it was not created in the last moments. It returns the files it
// removed.
func removeStaleTemps(dir string) ([]string, error) {
	names, err := filepath.Glob(filepath.Join(dir, tempPattern))
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, name := range names {
		stale, err := unusedTemp(name)
		if err != nil {
			if !errors.Is(err, os.ErrNotExist) { // renamed or removed meanwhile
				errs = append(errs, err)
			}
			continue
		}
		if !stale {
			continue
		}
		if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, name)
	}
	return removed, errors.Join(errs...)
}

// unusedTemp reports whether no process is writing the temporary file.
func unusedTemp(name string) (bool, error) {
	f, err := os.Open(name)
	if err != nil {
		return false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	age := time.Since(fi.ModTime())
	if !canLock {
		return age > 24*time.Hour, nil
	}
	if age < tempGrace {
		return false, nil
	}
	locked, err := tryLock(f)
	if err != nil {
		return false, err
	}
	// Held until f is closed, after the file is removed, so a writer
	// cannot take the file over in between (none would: writers only lock
	// files they have just created).
	return locked, nil
}

type snapReader struct {
	r   *bufio.Reader
	crc hash.Hash32
	err error
}

func (s *snapReader) ReadByte() (byte, error) {
	b, err := s.r.ReadByte()
	if err == nil {
		s.crc.Write([]byte{b})
	}
	return b, err
}

func (s *snapReader) uvarint() uint64 {
	if s.err != nil {
		return 0
	}
	v, err := binary.ReadUvarint(s)
	s.err = err
	return v
}

func (s *snapReader) varint() int64 {
	if s.err != nil {
		return 0
	}
	v, err := binary.ReadVarint(s)
	s.err = err
	return v
}

func (s *snapReader) str() string {
	n := s.uvarint()
	if s.err != nil || n > 1<<20 {
		if s.err == nil {
			s.err = errors.New("string too long")
		}
		return ""
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(s.r, b); err != nil {
		s.err = err
		return ""
	}
	s.crc.Write(b)
	return string(b)
}

// count reads a length and checks it against a sane bound.
func (s *snapReader) count(limit uint64) int {
	n := s.uvarint()
	if n > limit && s.err == nil {
		s.err = fmt.Errorf("count %d out of range", n)
	}
	return int(n)
}

// readSnapshot loads an index saved by writeSnapshot.
func readSnapshot(path string) (*Index, store.Cursor, int64, error) {
	var cursor store.Cursor
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, cursor, 0, ErrNoSnapshot
	}
	if err != nil {
		return nil, cursor, 0, err
	}
	defer f.Close()
	r := &snapReader{r: bufio.NewReaderSize(f, 1<<20), crc: crc32.NewIEEE()}
	magic := make([]byte, len(snapshotMagic))
	if _, err := io.ReadFull(r.r, magic); err != nil || string(magic) != snapshotMagic {
		return nil, cursor, 0, fmt.Errorf("%w: %s is not an index snapshot", ErrNoSnapshot, path)
	}
	r.crc.Write(magic)
	if v := r.uvarint(); v != snapshotVersion {
		return nil, cursor, 0, fmt.Errorf("%w: format %d, want %d", ErrNoSnapshot, v, snapshotVersion)
	}
	cursor.Rev, cursor.Seq = r.varint(), r.varint()
	version := r.varint()
	ix := NewIndex()
	for f := range ix.lenSum {
		ix.lenSum[f] = math.Float64frombits(r.uvarint())
	}
	ix.docs = make([]docMeta, r.count(1<<32-1))
	for i := range ix.docs {
		m := &ix.docs[i]
		m.id = paper.ID(r.str())
		for f := range m.lens {
			m.lens[f] = uint16(r.uvarint())
		}
		m.day = int32(r.varint())
		flags := r.uvarint()
		m.hasCode, m.deleted = flags&1 != 0, flags&2 != 0
		if n := r.count(1 << 10); n > 0 {
			m.cats = make([]string, n)
			for j := range m.cats {
				m.cats[j] = strings.ToLower(r.str())
			}
		}
		if !m.deleted && r.err == nil {
			ix.live[m.id] = uint32(i)
		}
		if r.err != nil {
			break
		}
	}
	ix.nLive = len(ix.live)
	nTerms := r.count(1<<32 - 1)
	ix.terms = make([]string, 0, nTerms)
	ix.post = make([][]posting, 0, nTerms)
	ix.maxImp = make([]uint8, 0, nTerms)
	ix.blockMax = make([][]uint8, 0, nTerms)
	for i := 0; i < nTerms && r.err == nil; i++ {
		t := r.str()
		n := r.count(uint64(len(ix.docs)))
		list := make([]posting, n)
		prev := uint32(0)
		for j := range list {
			prev += uint32(r.uvarint())
			list[j] = newPosting(prev, uint8(r.uvarint()), packedTF(r.uvarint()))
		}
		if n > 0 && int(prev) >= len(ix.docs) && r.err == nil {
			r.err = errors.New("posting beyond the last document")
		}
		ix.termIDs[t] = uint32(len(ix.terms))
		ix.terms = append(ix.terms, t)
		ix.post = append(ix.post, list)
		ix.maxImp = append(ix.maxImp, 0)
		ix.blockMax = append(ix.blockMax, nil)
		ix.summarise(uint32(len(ix.terms) - 1))
	}
	if r.err != nil {
		return nil, cursor, 0, fmt.Errorf("%w: %s: %v", ErrNoSnapshot, path, r.err)
	}
	want := r.crc.Sum32()
	var tail [4]byte
	if _, err := io.ReadFull(r.r, tail[:]); err != nil || binary.LittleEndian.Uint32(tail[:]) != want {
		return nil, cursor, 0, fmt.Errorf("%w: %s: checksum mismatch", ErrNoSnapshot, path)
	}
	ix.sortedTerms(0)
	return ix, cursor, version, nil
}
