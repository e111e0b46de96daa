package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// SchemaVersion is the newest migration this build knows: a database of a
// newer schema was written by a newer build, which this one must not run
// or restore.
func SchemaVersion() int {
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	v := 0
	for _, name := range names {
		var n int
		fmt.Sscanf(filepath.Base(name), "%d_", &n)
		v = max(v, n)
	}
	return v
}

// BackupInfo describes a backup or a restored database.
type BackupInfo struct {
	Bytes  int64
	Schema int // the newest migration applied to it
}

// Backup writes a consistent copy of the database at path to the new file
// to, while other processes (serve) go on reading and writing it: VACUUM
// INTO copies what one read transaction sees, so the copy holds every
// transaction committed before it began and none after, and the writers
// are not held up (in WAL mode a reader blocks no writer). The copy is
// written beside to under a temporary name, synced, and renamed into
// place only when whole, so an interrupted backup leaves no file that
// looks like one. An existing file at to is refused, never replaced.
func Backup(ctx context.Context, path, to string) (BackupInfo, error) {
	if _, err := os.Lstat(to); err == nil {
		return BackupInfo{}, fmt.Errorf("%s already exists: choose a new file name", to)
	}
	db, err := OpenFile(ctx, path, false)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("%s: %w", path, err)
	}
	defer db.Close()
	tmp, err := tempBeside(to)
	if err != nil {
		return BackupInfo{}, err
	}
	defer os.Remove(tmp) // gone after the rename; left only by a failure
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		return BackupInfo{}, fmt.Errorf("copying %s: %w", path, err)
	}
	if err := syncFile(tmp); err != nil {
		return BackupInfo{}, err
	}
	info, err := Check(ctx, tmp, false)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("the copy does not read back: %w", err)
	}
	// Link, not rename: it fails rather than replace a file made at to
	// since the check above.
	if err := os.Link(tmp, to); err != nil {
		return BackupInfo{}, err
	}
	return info, syncDir(filepath.Dir(to))
}

// Restore puts the backup from in place as the database at path, after
// checking that it is whole (PRAGMA integrity_check) and of a schema this
// build knows (not newer than SchemaVersion); a backup of an older schema
// is migrated when the store next opens it. It refuses to replace a
// database: path, and its -wal and -shm files, must not exist, which also
// keeps it from touching the file of a running site.
func Restore(ctx context.Context, from, path string) (BackupInfo, error) {
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if _, err := os.Lstat(p); err == nil {
			return BackupInfo{}, fmt.Errorf("%s already exists: restore into an empty data directory (a database is never replaced)", p)
		}
	}
	info, err := Check(ctx, from, true)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("%s: %w", from, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return BackupInfo{}, fmt.Errorf("data directory: %w", err)
	}
	tmp, err := tempBeside(path)
	if err != nil {
		return BackupInfo{}, err
	}
	defer os.Remove(tmp)
	if err := copyFile(from, tmp); err != nil {
		return BackupInfo{}, err
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return BackupInfo{}, fmt.Errorf("%s appeared while restoring: not replaced", path)
		}
		return BackupInfo{}, err
	}
	return info, syncDir(filepath.Dir(path))
}

// Check reads a database file without changing it and says what it is:
// its size and schema. It fails if the file is not a Daily Papers
// database, is of a schema newer than this build's, or, when full, if
// PRAGMA integrity_check finds it damaged (which reads every page);
// otherwise PRAGMA quick_check is run.
func Check(ctx context.Context, path string, full bool) (BackupInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return BackupInfo{}, err
	}
	db, err := OpenFile(ctx, path, true)
	if err != nil {
		return BackupInfo{}, err
	}
	defer db.Close()
	info := BackupInfo{Bytes: st.Size()}
	var hasMigrations int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&hasMigrations); err != nil {
		return info, fmt.Errorf("reading its schema: %w", err)
	}
	if hasMigrations == 0 {
		return info, errors.New("not a Daily Papers database (it has no schema_migrations table)")
	}
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&info.Schema); err != nil {
		return info, fmt.Errorf("reading its schema version: %w", err)
	}
	if known := SchemaVersion(); info.Schema > known {
		return info, fmt.Errorf("its schema is version %d, newer than this build knows (%d): use the build that wrote it or a newer one", info.Schema, known)
	}
	check := "quick_check"
	if full {
		check = "integrity_check"
	}
	if err := integrity(ctx, db, check); err != nil {
		return info, err
	}
	return info, nil
}

// integrity runs PRAGMA integrity_check or quick_check, which answer one
// row "ok" or up to a hundred rows of problems.
func integrity(ctx context.Context, db *sql.DB, pragma string) error {
	rs, err := db.QueryContext(ctx, `PRAGMA `+pragma)
	if err != nil {
		return fmt.Errorf("%s: %w", pragma, err)
	}
	defer rs.Close()
	var problems []string
	for rs.Next() {
		var line string
		if err := rs.Scan(&line); err != nil {
			return fmt.Errorf("%s: %w", pragma, err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rs.Err(); err != nil {
		return fmt.Errorf("%s: %w", pragma, err)
	}
	if len(problems) > 0 {
		if len(problems) > 5 {
			problems = append(problems[:5], fmt.Sprintf("and %d more", len(problems)-5))
		}
		return fmt.Errorf("damaged: %s says %s", pragma, strings.Join(problems, "; "))
	}
	return nil
}

// tempBeside names a new file in the directory of path, for writing what
// is then linked to path.
func tempBeside(path string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.partial")
	if err != nil {
		return "", err
	}
	name := f.Name()
	f.Close()
	// VACUUM INTO wants a file that does not exist or is empty.
	return name, os.Remove(name)
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	if err := dst.Sync(); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// syncDir makes a new name in dir survive a crash of the machine.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}
