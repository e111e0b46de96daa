package wordvec

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
)

// The asset format, little-endian:
//
//	"DPWV" version(1 byte)
//	name: uvarint length, bytes
//	dim, rows: uvarint
//	rows words: uvarint length, bytes (in frequency order)
//	rows scales: float32
//	rows*dim components: int8 (component * scale is the value)
//	CRC-32 (IEEE) of everything before it
const (
	magic         = "DPWV"
	formatVersion = 1
)

// Write stores m in the asset format.
func (m *Model) Write(w io.Writer) error {
	var buf bytes.Buffer
	buf.WriteString(magic)
	buf.WriteByte(formatVersion)
	putString(&buf, m.name)
	buf.Write(binary.AppendUvarint(nil, uint64(m.dim)))
	buf.Write(binary.AppendUvarint(nil, uint64(len(m.scales))))
	words := make([]string, len(m.scales))
	for w, row := range m.index {
		words[row] = w
	}
	for _, w := range words {
		putString(&buf, w)
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
	if len(data) < len(magic)+1+4 || string(data[:len(magic)]) != magic {
		return nil, errors.New("wordvec: not a word-vector asset")
	}
	if v := data[len(magic)]; v != formatVersion {
		return nil, fmt.Errorf("wordvec: asset format %d, want %d", v, formatVersion)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, errors.New("wordvec: asset checksum mismatch (truncated or damaged)")
	}
	r := bufio.NewReader(bytes.NewReader(body[len(magic)+1:]))
	name, err := getString(r)
	if err != nil {
		return nil, err
	}
	dim, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, err
	}
	rows, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, err
	}
	if dim == 0 || dim > 1<<14 || rows > 1<<24 || rows*dim > uint64(len(body)) {
		return nil, fmt.Errorf("wordvec: implausible shape %d x %d", rows, dim)
	}
	words := make([]string, rows)
	for i := range words {
		if words[i], err = getString(r); err != nil {
			return nil, err
		}
	}
	scales := make([]float32, rows)
	var b4 [4]byte
	for i := range scales {
		if _, err := io.ReadFull(r, b4[:]); err != nil {
			return nil, err
		}
		scales[i] = math.Float32frombits(binary.LittleEndian.Uint32(b4[:]))
	}
	raw := make([]byte, rows*dim)
	if _, err := io.ReadFull(r, raw); err != nil {
		return nil, fmt.Errorf("wordvec: vectors: %w", err)
	}
	if _, err := r.ReadByte(); err != io.EOF {
		return nil, errors.New("wordvec: trailing bytes after the vectors")
	}
	vecs := make([]int8, len(raw))
	for i, b := range raw {
		vecs[i] = int8(b)
	}
	return newModel(name, int(dim), words, scales, vecs), nil
}

func getString(r *bufio.Reader) (string, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return "", err
	}
	if n > 1<<10 {
		return "", fmt.Errorf("wordvec: word of %d bytes", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	return string(b), nil
}
