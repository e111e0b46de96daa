package dbcopy

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// pgValue converts a value as a driver read it (SQLite's or PostgreSQL's)
// to the Go value written to PostgreSQL and checksummed: int64, string,
// bool, []byte or nil. A value that does not fit its column is an error,
// not a guess.
func pgValue(k colKind, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch k {
	case kInt:
		switch x := v.(type) {
		case int64:
			return x, nil
		case int32:
			return int64(x), nil
		case int16:
			return int64(x), nil
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				return int64(x), nil
			}
		}
	case kBool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			if x == 0 || x == 1 {
				return x == 1, nil
			}
		}
	case kText, kJSON:
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case []byte:
			s = string(x)
		default:
			return nil, fmt.Errorf("%T %v is not text", v, v)
		}
		if !utf8.ValidString(s) {
			return nil, errors.New("text that is not UTF-8, which PostgreSQL cannot store")
		}
		if strings.IndexByte(s, 0) >= 0 {
			return nil, errors.New("text with a NUL character, which PostgreSQL cannot store")
		}
		if k == kJSON {
			if !json.Valid([]byte(s)) {
				return nil, fmt.Errorf("%.40q is not JSON", s)
			}
			if strings.Contains(s, `\u0000`) {
				return nil, errors.New(`JSON with \u0000, which PostgreSQL's JSONB cannot store`)
			}
		}
		return s, nil
	case kBytes:
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
	}
	return nil, fmt.Errorf("%T %v does not fit the column", v, v)
}

// rowIter is what both *sql.Rows and pgx.Rows are.
type rowIter interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// sumRows counts rows and hashes their values in a canonical form: each
// value converted by pgValue, then a tag, its length and its bytes (JSON
// with sorted keys and numbers by value, as JSONB keeps it).
func sumRows(rows rowIter, t *copyTable, tick func()) (int64, []byte, error) {
	h := sha256.New()
	vals := make([]any, len(t.cols))
	ptrs := make([]any, len(t.cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	var buf []byte
	for rows.Next() {
		clear(vals)
		if err := rows.Scan(ptrs...); err != nil {
			return 0, nil, err
		}
		buf = buf[:0]
		for i, col := range t.cols {
			v, err := pgValue(col.kind, vals[i])
			if err != nil {
				return 0, nil, fmt.Errorf("column %s: %w", col.name, err)
			}
			buf = appendCanon(buf, col.kind, v)
		}
		h.Write(buf)
		n++
		tick()
	}
	return n, h.Sum(nil), rows.Err()
}

func appendCanon(b []byte, k colKind, v any) []byte {
	var tag byte
	var val []byte
	switch x := v.(type) {
	case nil:
		return append(b, 'N')
	case int64:
		tag, val = 'i', strconv.AppendInt(nil, x, 10)
	case bool:
		tag, val = 'b', []byte{'0'}
		if x {
			val[0] = '1'
		}
	case string:
		tag, val = 't', []byte(x)
		if k == kJSON {
			tag, val = 'j', canonJSON(x)
		}
	case []byte:
		tag, val = 'x', x
	}
	b = append(b, tag)
	b = binary.AppendUvarint(b, uint64(len(val)))
	return append(b, val...)
}

// canonJSON writes JSON so that equal documents are equal bytes: what
// JSONB changes (spaces, key order, duplicate keys, how a number is
// written) does not show.
func canonJSON(s string) []byte {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return []byte(s)
	}
	var b bytes.Buffer
	writeCanon(&b, v)
	return b.Bytes()
}

func writeCanon(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			b.Write(kb)
			b.WriteByte(':')
			writeCanon(b, x[k])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCanon(b, e)
		}
		b.WriteByte(']')
	case json.Number:
		if r, ok := new(big.Rat).SetString(string(x)); ok {
			b.WriteString(r.RatString())
		} else {
			b.WriteString(string(x))
		}
	default:
		jb, _ := json.Marshal(x)
		b.Write(jb)
	}
}
