// Package web serves the HTML pages of Daily Papers.
package web

import (
	"cmp"
	"embed"
	"io/fs"
	"log/slog"
	"time"

	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
)

//go:embed templates static
var assets embed.FS

// Server holds what the page handlers share.
type Server struct {
	store     store.Store
	log       *slog.Logger
	now       func() time.Time
	templates *templates
	static    fs.FS
	siteName  string
	cache     *pageCache
	search    *search.Service // nil: the site has no search
}

// Options configure a Server; the zero value of each field has a default.
type Options struct {
	Logger   *slog.Logger
	Now      func() time.Time // the clock, for tests
	SiteName string
	// Search answers /search and similar papers; nil leaves them out.
	Search *search.Service
	// PageCacheBytes bounds the cache of rendered pages; 0 means 64 MiB and
	// a negative value turns the cache off (benchmarks measure both).
	PageCacheBytes int
}

// New builds the server. Templates are parsed here, once, so that a broken
// template stops the program at start rather than on a request.
func New(st store.Store, opt Options) (*Server, error) {
	s := &Server{store: st, log: opt.Logger, now: opt.Now, siteName: opt.SiteName, search: opt.Search}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.siteName == "" {
		s.siteName = "Daily Papers"
	}
	var err error
	if s.templates, err = parseTemplates(); err != nil {
		return nil, err
	}
	s.static, _ = fs.Sub(assets, "static")
	if opt.PageCacheBytes >= 0 {
		s.cache = newPageCache(cmp.Or(opt.PageCacheBytes, 64<<20), time.Minute)
	}
	return s, nil
}
