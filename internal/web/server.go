// Package web serves the HTML pages of Daily Papers.
package web

import (
	"cmp"
	"crypto/rand"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/dailypapers/dailypapers/internal/digest"
	"github.com/dailypapers/dailypapers/internal/mail"
	"github.com/dailypapers/dailypapers/internal/mcp"
	"github.com/dailypapers/dailypapers/internal/metrics"
	"github.com/dailypapers/dailypapers/internal/recommend"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
)

//go:embed templates static
var assets embed.FS

// Server holds what the page handlers share.
type Server struct {
	// store is the whole store, not an interface of the few methods used,
	// as search and digest declare: the pages, the API and the feeds use
	// most of it, all but the jobs' methods (the mail queue, harvests,
	// vectors, imports), so a narrower one would be a second copy of
	// store.Store to keep in step.
	store     store.Store
	log       *slog.Logger
	now       func() time.Time
	templates *templates
	static    fs.FS
	siteName  string
	cache     *pageCache
	cards     *cardCache      // rendered paper cards, by content (card_cache.go)
	summaries summaryCache    // author pages' summaries (author_show.go)
	thumbs    *pageCache      // drawn thumbnails, by content (thumbnails.go)
	search    *search.Service // nil: the site has no search
	// recs ranks the For-you tab from the search index's features; nil
	// when the site has no search.
	recs *recommend.Service

	// The community's settings (see Options).
	mail           mail.Sender
	arxiv          PaperFetcher
	baseURL        string
	submitWindow   time.Duration
	dailyCap       int
	limits         Limits
	trustedProxies []netip.Prefix

	signer *digest.Signer

	// Operations (observe.go).
	metrics      *metrics.Metrics // nil: no metrics are kept
	metricsToken string
	accessLog    bool
	// draining is set when the process is about to stop: /readyz says so,
	// for a load balancer to send requests elsewhere (see Drain).
	draining atomic.Bool
	mcp      *mcp.Server // the tools for agents, at /mcp (mcp.go)
}

// Drain makes /readyz answer 503 from now on while every other page is
// served as before: a process that is stopping calls it, waits for its
// load balancer to notice, and only then stops accepting connections.
func (s *Server) Drain() { s.draining.Store(true) }

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
	// CardCacheBytes bounds the cache of rendered paper cards, which
	// signed-in pages (never in the page cache) are drawn from: 0 means
	// 32 MiB, a negative value turns it off.
	CardCacheBytes int

	// Mail sends password-reset links; nil logs them (for development).
	Mail mail.Sender
	// ArXiv fetches papers that are submitted but not in the catalogue;
	// nil refuses them.
	ArXiv PaperFetcher
	// BaseURL is the site's public address, for links in mail, such as
	// https://papers.example.org. Links are never built from a request's
	// Host header, which a client chooses.
	BaseURL string
	// SubmitWindow is how old (since version 1) a submitted paper may be:
	// 0 means 14 days, a negative value no limit.
	SubmitWindow time.Duration
	// DailyCap is how many papers one account may submit a day: 0 means
	// 10, a negative value no cap.
	DailyCap int
	// Limits are the rate limits; nil means DefaultLimits.
	Limits *Limits
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed when rate limits count client addresses.
	TrustedProxies []netip.Prefix
	// MCPTokenHint tells MCP clients without a token how to send one;
	// "" means an Authorization header, as over /mcp.
	MCPTokenHint string
	// SecretKey signs the links in digest mails (at least 32 bytes); nil
	// makes a random one, so links die with the process.
	SecretKey []byte

	// Metrics, when not nil, counts requests, cache hits, searches and
	// refusals into it.
	Metrics *metrics.Metrics
	// MetricsToken, when set (with Metrics), serves GET /metrics on the
	// site to scrapers that send it as a bearer token.
	MetricsToken string
	// AccessLog writes a line per request at info level to Logger.
	AccessLog bool
}

// Close ends the server's background work (the For-you models being
// trained), once no request is served any more.
func (s *Server) Close() {
	if s.recs != nil {
		s.recs.Close()
	}
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
	render := template.FuncMap{"renderCard": func(c cardData) (template.HTML, error) { return s.cards.render(c) }}
	if s.templates, err = parseTemplates(render); err != nil {
		return nil, err
	}
	cardBytes := cmp.Or(opt.CardCacheBytes, 32<<20)
	s.cards = newCardCache(s.templates.partials, cardBytes)
	s.static, _ = fs.Sub(assets, "static")
	s.mail, s.arxiv, s.trustedProxies = opt.Mail, opt.ArXiv, opt.TrustedProxies
	s.metrics, s.metricsToken, s.accessLog = opt.Metrics, opt.MetricsToken, opt.AccessLog
	if s.mail == nil {
		s.mail = mail.LogSender{Log: s.log}
	}
	s.baseURL = strings.TrimSuffix(cmp.Or(opt.BaseURL, "http://localhost:8080"), "/")
	s.submitWindow = cmp.Or(opt.SubmitWindow, 14*24*time.Hour)
	s.dailyCap = cmp.Or(opt.DailyCap, 10)
	limits := DefaultLimits
	if opt.Limits != nil {
		limits = *opt.Limits
	}
	s.limits = limits
	key := opt.SecretKey
	if key == nil {
		key = make([]byte, 32)
		rand.Read(key)
	}
	if s.signer, err = digest.NewSigner(key); err != nil {
		return nil, err
	}
	if opt.Search != nil {
		s.recs = recommend.NewService(st, opt.Search, s.log, s.now)
	}
	s.thumbs = newPageCache(thumbnailCacheBytes, thumbnailMaxAge)
	if opt.PageCacheBytes >= 0 {
		s.cache = newPageCache(cmp.Or(opt.PageCacheBytes, 64<<20), time.Minute)
	}
	s.mcp = mcp.New(mcpSite{s}, mcp.Options{Logger: s.log, TokenHint: opt.MCPTokenHint})
	return s, nil
}
