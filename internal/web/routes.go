package web

import (
	"net/http"

	"github.com/dailypapers/dailypapers/internal/digest"
	"github.com/dailypapers/dailypapers/internal/syndication"
)

// Handler returns every route of the site. All routes live here.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", s.handle(s.cached(s.feedLatest)))
	mux.Handle("GET /papers/date/{day}", s.handle(s.cached(s.feedDay)))
	mux.Handle("GET /papers/week/{week}", s.handle(s.cached(s.feedWeek)))
	mux.Handle("GET /papers/month/{month}", s.handle(s.cached(s.feedMonth)))
	mux.Handle("GET /papers/date", s.handle(s.feedJump)) // the date picker's form
	mux.Handle("GET /papers/week", s.handle(s.latestPeriod(weekPeriod)))
	mux.Handle("GET /papers/month", s.handle(s.latestPeriod(monthPeriod)))
	mux.Handle("GET /papers/trending", s.handle(s.cached(s.trending)))
	mux.Handle("GET /papers/{id...}", s.handle(s.paperOrMarkdown(s.cached(s.paperShow))))
	mux.Handle("GET /thumbnails/{id...}", s.handle(s.thumbnailShow))
	mux.Handle("GET /search", s.handle(s.searchShow))
	mux.Handle("GET /static/", s.staticFiles())

	// Accounts.
	mux.Handle("GET /signup", s.handle(s.signUpForm))
	mux.Handle("POST /signup", s.handle(s.signUp))
	mux.Handle("GET /signin", s.handle(s.signInForm))
	mux.Handle("POST /signin", s.handle(s.signInPost))
	mux.Handle("POST /signout", s.handle(s.signOutPost))
	mux.Handle("GET /forgot", s.handle(s.forgotForm))
	mux.Handle("POST /forgot", s.handle(s.forgotPost))
	mux.Handle("GET /reset/{token}", s.handle(s.resetForm))
	mux.Handle("POST /reset/{token}", s.handle(s.resetPost))
	mux.Handle("GET /users/{name}", s.handle(s.profileShow))
	mux.Handle("GET /settings/tokens", s.handle(s.tokensShow))
	mux.Handle("POST /settings/tokens", s.handle(s.tokenCreate))
	mux.Handle("POST /settings/tokens/{id}/revoke", s.handle(s.tokenRevoke))

	// Submitting, voting, discussing.
	mux.Handle("GET /submit", s.handle(s.submitForm))
	mux.Handle("POST /submit", s.handle(s.submitPost))
	mux.Handle("POST /vote", s.handle(s.vote))
	mux.Handle("POST /comments", s.handle(s.commentPost))
	mux.Handle("GET /comments/{id}/edit", s.handle(s.commentEditForm))
	mux.Handle("POST /comments/{id}/edit", s.handle(s.commentEditPost))
	mux.Handle("POST /comments/{id}/delete", s.handle(s.commentDeletePost))
	mux.Handle("POST /comments/{id}/report", s.handle(s.commentReportPost))

	// A reader's library: the Saved list and collections (save.go,
	// saved_show.go, collection_show.go, collection_edit.go).
	mux.Handle("POST /saved", s.handle(s.savePost))
	mux.Handle("GET /saved", s.handle(s.savedShow))
	for i := range citeFormats {
		mux.Handle("GET /saved"+citeFormats[i].ext, s.handle(s.savedExport(&citeFormats[i])))
	}
	mux.Handle("GET /collections/new", s.handle(s.collectionNewForm))
	mux.Handle("POST /collections", s.handle(s.collectionCreate))
	mux.Handle("POST /collections/add", s.handle(s.collectionAdd))
	mux.Handle("GET /collections/{owner}/{slug}", s.handle(s.cached(s.collectionShow)))
	mux.Handle("POST /collections/{owner}/{slug}/edit", s.handle(s.collectionEdit))
	mux.Handle("POST /collections/{owner}/{slug}/delete", s.handle(s.collectionDelete))
	mux.Handle("POST /collections/{owner}/{slug}/items/{item}/{action}", s.handle(s.collectionItemPost))
	// For you: the reader's own ranking and the signals it learns from.
	mux.Handle("GET /for-you", s.handle(s.forYouShow))
	mux.Handle("POST /for-you/signal", s.handle(s.forYouSignal))
	mux.Handle("GET /for-you/settings", s.handle(s.forYouStartSearch))
	mux.Handle("POST /for-you/settings", s.handle(s.forYouSettingsPost))
	mux.Handle("POST /for-you/start", s.handle(s.forYouStartPost))

	// Email digests.
	mux.Handle("POST /subscribe", s.handle(s.subscribePost))
	mux.Handle("GET /subscription/confirm/{token}", s.handle(s.withSubscription(digest.PurposeConfirm, s.subscriptionConfirm)))
	mux.Handle("GET /subscription/{token}", s.handle(s.withSubscription(digest.PurposeManage, s.subscriptionManage)))
	mux.Handle("POST /subscription/{token}", s.handle(s.withSubscription(digest.PurposeManage, s.subscriptionSave)))
	mux.Handle("GET /unsubscribe/{token}", s.handle(s.withSubscription(digest.PurposeUnsubscribe, s.unsubscribeShow)))
	mux.Handle("POST /unsubscribe/{token}", s.handle(s.withSubscription(digest.PurposeUnsubscribe, s.unsubscribePost)))

	// Moderation.
	mux.Handle("GET /admin/digests", s.handle(s.admin(s.adminDigests)))
	mux.Handle("GET /admin", s.handle(s.admin(s.adminShow)))
	mux.Handle("POST /admin/papers/hide", s.handle(s.admin(s.adminHidePaper)))
	mux.Handle("POST /admin/comments/{id}/hide", s.handle(s.admin(s.adminHideComment)))
	mux.Handle("POST /admin/comments/{id}/resolve", s.handle(s.admin(s.adminResolve)))
	mux.Handle("POST /admin/users/{name}/disable", s.handle(s.admin(s.adminDisableUser)))
	mux.Handle("POST /admin/claims/{id}", s.handle(s.admin(s.adminDecideClaim)))

	// Authors, categories, claims and follows.
	mux.Handle("GET /authors/{name}", s.handle(s.cached(s.authorShow)))
	mux.Handle("GET /categories/{cat}", s.handle(s.cached(s.categoryShow)))
	mux.Handle("POST /claims", s.handle(s.claimPost))
	mux.Handle("POST /claims/{id}/hide", s.handle(s.claimHidePost))
	mux.Handle("POST /follow", s.handle(s.followPost))
	mux.Handle("GET /following", s.handle(s.followingShow))
	mux.Handle("POST /read", s.handle(s.readPost))

	// The JSON API's reads (api_read.go).
	mux.Handle("GET /api/daily_papers", s.handle(s.api(s.cached(s.apiDailyPapers))))
	mux.Handle("GET /api/papers", s.handle(s.api(s.cached(s.apiPapers))))
	mux.Handle("GET /api/papers/search", s.handle(s.api(s.cached(s.apiSearch))))
	mux.Handle("GET /api/papers/{id...}", s.handle(s.api(s.cached(s.apiPaper))))
	mux.Handle("GET /api/openapi.json", s.handle(s.api(s.openAPI)))
	mux.Handle("OPTIONS /api/", http.HandlerFunc(preflight))

	// The RSS, Atom and JSON feeds (feeds.go), which answer readers'
	// conditional GETs.
	feed := func(h handlerFunc) http.Handler { return s.handle(conditionalGet(s.cached(h))) }
	mux.Handle("GET /feeds/{file}", feed(s.feedTop))
	mux.Handle("GET /feeds/category/{file}", feed(s.feedCategory))
	mux.Handle("GET /feeds/user/{file}", feed(s.feedUser))
	mux.Handle("GET /feeds/collections/{owner}/{file}", feed(s.feedCollection))
	mux.Handle("GET /feeds/author/{file}", feed(s.feedAuthor))
	// A reader's private For-you feed: never the shared page cache.
	mux.Handle("GET /feeds/for-you/{file}", s.handle(conditionalGet(s.feedForYou)))
	// GET /search.atom, GET /search.rss and GET /search.json.
	for _, f := range syndication.Formats {
		mux.Handle("GET /search."+f.Ext, feed(func(w http.ResponseWriter, r *http.Request) error {
			return s.feedSearch(w, r, f)
		}))
	}

	// The JSON API's writes, with personal tokens.
	mux.Handle("POST /api/papers/submit", s.handle(s.withToken(s.apiSubmit)))
	for _, p := range []string{"/api/papers/{id}", "/api/papers/{archive}/{num}"} {
		mux.Handle("POST "+p+"/upvote", s.handle(s.withToken(s.apiVote)))
		mux.Handle("DELETE "+p+"/upvote", s.handle(s.withToken(s.apiVote)))
		mux.Handle("POST "+p+"/comment", s.handle(s.withToken(s.apiCommentPost)))
	}

	// The Collections API, as huggingface_hub speaks it (api_collections.go):
	// reads take a token when given one (for its holder's private
	// collections), writes need one.
	hf := func(h handlerFunc) http.Handler { return s.handle(s.api(hfAPI(h))) }
	mux.Handle("GET /api/whoami-v2", hf(s.apiWhoami))
	mux.Handle("GET /api/collections", hf(s.apiCollectionsList))
	mux.Handle("POST /api/collections", hf(s.withToken(s.apiCollectionCreate)))
	mux.Handle("GET /api/collections/{owner}/{slug}", hf(s.apiCollectionGet))
	mux.Handle("PATCH /api/collections/{owner}/{slug}", hf(s.withToken(s.apiCollectionUpdate)))
	mux.Handle("DELETE /api/collections/{owner}/{slug}", hf(s.withToken(s.apiCollectionDelete)))
	mux.Handle("POST /api/collections/{owner}/{slug}/items", hf(s.withToken(s.apiItemAdd)))
	mux.Handle("PATCH /api/collections/{owner}/{slug}/items/{item}", hf(s.withToken(s.apiItemUpdate)))
	mux.Handle("DELETE /api/collections/{owner}/{slug}/items/{item}", hf(s.withToken(s.apiItemDelete)))
	// The MCP server for agents (mcp.go), over Streamable HTTP: POST, and
	// the SDK's own answers to the other methods.
	mux.Handle("/mcp", s.mcpHandler())
	mux.Handle("GET /api/recommendations", s.handle(s.withToken(s.apiRecommendationsGet)))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", s.ready)
	if s.metrics != nil && s.metricsToken != "" {
		mux.Handle("GET /metrics", s.metricsHandler())
	}
	// Every state-changing request from another site is refused (checked
	// with Sec-Fetch-Site and Origin), so no page elsewhere can act as a
	// signed-in visitor: cross-site request forgery.
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(s.handle(func(http.ResponseWriter, *http.Request) error {
		return forbidden("This request came from another site, so it was refused. Please use the form on this site.")
	}))
	// No catch-all route: one would take every method on every path, so
	// a known path asked with the wrong method would be 404, not 405.
	return s.observe(mux, securityHeaders(csrf.Handler(s.withViewer(s.readForms(s.unrouted(mux))))))
}

// securityHeaders sets the headers every response carries. The pages use
// no inline script or style, so the policy can forbid both.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// ready answers load balancers: 200 once the database answers and the
// search index is loaded, 503 with the reason before.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	if _, err := s.store.Version(r.Context()); err != nil {
		s.log.Warn("not ready: database", "err", err)
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	if s.search != nil && !s.search.Ready() {
		http.Error(w, "search index loading", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ready\n"))
}
