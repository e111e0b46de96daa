package sqlite_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
)

// backedUp is a store with one paper, backed up to a file; it returns
// the backup's path.
func backedUp(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "data", "dailypapers.db")
	s := openClosing(t, path)
	write(t, s, store.Record{Paper: paper.Paper{ID: "2501.00001", Title: "Kept", Abstract: "In the backup."}})
	to := filepath.Join(dir, "backup.db")
	info, err := sqlite.Backup(t.Context(), path, to)
	if err != nil {
		t.Fatal(err)
	}
	if info.Schema != sqlite.SchemaVersion() || info.Bytes == 0 {
		t.Errorf("Backup = %+v, want schema %d and a size", info, sqlite.SchemaVersion())
	}
	return to
}

func TestBackupAndRestore(t *testing.T) {
	ctx := t.Context()
	from := backedUp(t)
	if _, err := sqlite.Backup(ctx, filepath.Join(filepath.Dir(from), "data", "dailypapers.db"), from); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("a backup over an existing file: %v, want a refusal", err)
	}
	path := filepath.Join(t.TempDir(), "new", "dailypapers.db")
	if _, err := sqlite.Restore(ctx, from, path); err != nil {
		t.Fatal(err)
	}
	s := openClosing(t, path)
	if p, err := s.Paper(ctx, "2501.00001"); err != nil || p.Title != "Kept" {
		t.Errorf("restored paper = %+v, %v", p, err)
	}
	if _, err := sqlite.Restore(ctx, from, path); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("a restore over a database: %v, want a refusal", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) > 3 {
		t.Errorf("a restore left files behind: %v", entries)
	}
}

// Restore refuses a backup it cannot trust: one from a newer build, one
// damaged, one that is not a site's database; and nothing is put in place.
func TestRestoreRefuses(t *testing.T) {
	ctx := t.Context()
	newer := backedUp(t)
	db := rawDB(t, newer)
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from_the_future.sql', 0)`, sqlite.SchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	db.Close()

	damaged := backedUp(t)
	b, err := os.ReadFile(damaged)
	if err != nil {
		t.Fatal(err)
	}
	// Overwrite the middle pages (tables and indexes), leaving the header.
	for i := len(b) / 3; i < len(b)*2/3; i++ {
		b[i] = 0x5a
	}
	if err := os.WriteFile(damaged, b, 0o644); err != nil {
		t.Fatal(err)
	}

	other := filepath.Join(t.TempDir(), "other.db")
	odb := rawDB(t, other)
	if _, err := odb.Exec(`CREATE TABLE notes (body TEXT)`); err != nil {
		t.Fatal(err)
	}
	odb.Close()

	for _, c := range []struct{ name, file, want string }{
		{"newer schema", newer, "newer than this build"},
		{"damaged", damaged, "malformed"},
		{"not ours", other, "not a Daily Papers database"},
		{"missing", filepath.Join(t.TempDir(), "nothing.db"), "no such file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "dailypapers.db")
			_, err := sqlite.Restore(ctx, c.file, path)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Restore: %v, want an error saying %q", err, c.want)
			}
			if _, serr := os.Stat(path); serr == nil {
				t.Errorf("a refused restore left %s", path)
			}
		})
	}
}
