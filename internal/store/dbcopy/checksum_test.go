package dbcopy

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// The checksum sees JSON as JSONB keeps it: spaces, key order, duplicate
// keys and how numbers are written do not count; values do.
func TestCanonJSON(t *testing.T) {
	docs := []string{
		`[{"name": "Ada", "user": ""}, {"user":"bob","name":"Bob"}]`,
		`{"b": [1.0, 2e1, -0, 0.50], "a": "\u00e9 \u003c&\u003e", "a": "dup"}`,
		`["language model", "<agents> & \"tools\""]`,
		`[]`,
	}
	for _, pair := range [][2]string{
		{docs[0], `[{"user":"","name":"Ada"},{"name":"Bob","user":"bob"}]`},
		{docs[1], `{"a":"dup","b":[1,20,0,0.5]}`},
		{docs[2], `["language model","\u003cagents\u003e \u0026 \"tools\""]`},
	} {
		if a, b := canonJSON(pair[0]), canonJSON(pair[1]); string(a) != string(b) {
			t.Errorf("%s -> %s\n%s -> %s", pair[0], a, pair[1], b)
		}
	}
	for _, pair := range [][2]string{{`[1]`, `["1"]`}, {`[1, 2]`, `[2, 1]`}, {`{"a": null}`, `{}`}, {`[1.5]`, `[1.50001]`}} {
		if a, b := canonJSON(pair[0]), canonJSON(pair[1]); string(a) == string(b) {
			t.Errorf("%s and %s are both %s", pair[0], pair[1], a)
		}
	}
	// And as PostgreSQL writes them back.
	dsn := os.Getenv("DAILYPAPERS_TEST_POSTGRES")
	if dsn == "" {
		return
	}
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	for _, d := range docs {
		var back string
		if err := c.QueryRow(ctx, `SELECT $1::jsonb::text`, d).Scan(&back); err != nil {
			t.Fatal(err)
		}
		if a, b := canonJSON(d), canonJSON(back); string(a) != string(b) {
			t.Errorf("%s -> %s\nJSONB %s -> %s", d, a, back, b)
		}
	}
}
