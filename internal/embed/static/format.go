package static

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"strings"
)

// The asset format, little-endian:
//
//	"DPSE" version(1 byte)
//	name: uvarint length, bytes
//	dim, tokens: uvarint
//	tokens: uvarint length, bytes (continuation pieces start with "##")
//	tokens scales: float32
//	tokens*dim components: int8 (component * scale is the value)
//	CRC-32 (IEEE) of everything before it
//
// It is wordvec's format under another magic: the rows are tokens, not
// words, and a text is their plain sum (the weights are in the vectors).
const (
	Magic         = "DPSE"
	formatVersion = 1
)

// IsAsset reports whether data starts as an asset of this package.
func IsAsset(data []byte) bool { return bytes.HasPrefix(data, []byte(Magic)) }

// Write stores m in the asset format.
func (m *Model) Write(w io.Writer) error {
	var buf bytes.Buffer
	buf.WriteString(Magic)
	buf.WriteByte(formatVersion)
	putString(&buf, m.name)
	buf.Write(binary.AppendUvarint(nil, uint64(m.dim)))
	buf.Write(binary.AppendUvarint(nil, uint64(len(m.scales))))
	for _, t := range m.vocab.tokens {
		putString(&buf, t)
	}
	for _, s := range m.scales {
		buf.Write(binary.LittleEndian.AppendUint32(nil, math.Float32bits(s)))
	}
	for _, v := range m.vecs {
		buf.WriteByte(byte(v))
	}
	buf.Write(binary.LittleEndian.AppendUint32(nil, crc32.ChecksumIEEE(buf.Bytes())))
	_, err := w.Write(buf.Bytes())
	return err
}

func putString(buf *bytes.Buffer, s string) {
	buf.Write(binary.AppendUvarint(nil, uint64(len(s))))
	buf.WriteString(s)
}

// Read loads a model written by Write.
func Read(data []byte) (*Model, error) {
	if len(data) < len(Magic)+1+4 || !IsAsset(data) {
		return nil, errors.New("static: not a static embedding asset")
	}
	if v := data[len(Magic)]; v != formatVersion {
		return nil, fmt.Errorf("static: asset format %d, want %d", v, formatVersion)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, errors.New("static: asset checksum mismatch (truncated or damaged)")
	}
	r := bufio.NewReader(bytes.NewReader(body[len(Magic)+1:]))
	name, err := getString(r)
	if err != nil {
		return nil, fmt.Errorf("static: name: %w", err)
	}
	dim, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, fmt.Errorf("static: dimension: %w", err)
	}
	rows, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, fmt.Errorf("static: token count: %w", err)
	}
	if dim == 0 || dim > 1<<14 || rows == 0 || rows > 1<<24 || rows*dim > uint64(len(body)) {
		return nil, fmt.Errorf("static: implausible shape %d x %d", rows, dim)
	}
	tokens := make([]string, rows)
	seen := make(map[string]bool, rows)
	for i := range tokens {
		if tokens[i], err = getString(r); err != nil {
			return nil, fmt.Errorf("static: token %d: %w", i, err)
		}
		if tokens[i] == "" || tokens[i] == contMark || seen[tokens[i]] {
			return nil, fmt.Errorf("static: token %d: %q empty or repeated", i, tokens[i])
		}
		seen[tokens[i]] = true
	}
	scales := make([]float32, rows)
	var b4 [4]byte
	for i := range scales {
		if _, err := io.ReadFull(r, b4[:]); err != nil {
			return nil, fmt.Errorf("static: scales: %w", err)
		}
		scales[i] = math.Float32frombits(binary.LittleEndian.Uint32(b4[:]))
		if s := float64(scales[i]); math.IsNaN(s) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("static: token %q: scale %v", tokens[i], s)
		}
	}
	raw := make([]byte, rows*dim)
	if _, err := io.ReadFull(r, raw); err != nil {
		return nil, fmt.Errorf("static: vectors: %w", err)
	}
	if _, err := r.ReadByte(); err != io.EOF {
		return nil, errors.New("static: trailing bytes after the vectors")
	}
	vecs := make([]int8, len(raw))
	for i, b := range raw {
		vecs[i] = int8(b)
	}
	return &Model{name: name, dim: int(dim), vocab: newVocab(tokens), scales: scales, vecs: vecs}, nil
}

func getString(r *bufio.Reader) (string, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return "", err
	}
	if n > 1<<10 {
		return "", fmt.Errorf("string of %d bytes", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	if strings.ContainsRune(string(b), 0) {
		return "", errors.New("NUL byte in a string")
	}
	return string(b), nil
}
