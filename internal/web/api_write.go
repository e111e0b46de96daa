package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/dailypapers/dailypapers/internal/auth"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// apiAccount is the account of the request's personal API token
// (Authorization: Bearer dp_...). The API's writes take tokens only, never
// the session cookie, so no other site can make a browser call them.
func (s *Server) apiAccount(r *http.Request) (*store.Account, error) {
	h := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || token == "" {
		return nil, &httpError{status: http.StatusUnauthorized, msg: "This endpoint needs a personal API token: Authorization: Bearer <token>. Make one on /settings/tokens."}
	}
	return s.tokenAccount(r.Context(), token)
}

// tokenAccount is the account of a personal API token, for the API and
// the MCP tools: a 401 that says why when the token is not valid.
func (s *Server) tokenAccount(ctx context.Context, token string) (*store.Account, error) {
	a, _, err := s.store.APITokenAccount(ctx, auth.HashToken(strings.TrimSpace(token)), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, &httpError{status: http.StatusUnauthorized, msg: "This API token is not valid: it was revoked, its account is disabled, or it was mistyped."}
	}
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// withToken wraps an API write handler with token authentication.
func (s *Server) withToken(h func(w http.ResponseWriter, r *http.Request, a *store.Account) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		a, err := s.apiAccount(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
			return err
		}
		return h(w, r, a)
	}
}

// readJSON decodes a request body of one JSON object into v, refusing
// unknown fields, trailing data and bodies over maxFormBytes.
func readJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return &httpError{status: http.StatusUnsupportedMediaType, msg: "Send the body as JSON with Content-Type: application/json."}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &httpError{status: http.StatusRequestEntityTooLarge, msg: "The body is larger than 64 KiB."}
		}
		return badRequest("The body could not be read.")
	}
	// encoding/json would turn invalid UTF-8, and escaped halves of
	// surrogate pairs, into U+FFFD; forms refuse such text (checkText), and
	// so does the API: jsontext reads JSON strictly, saying where it breaks.
	if _, err := jsontext.NewDecoder(bytes.NewReader(body), jsontext.AllowDuplicateNames(true)).ReadValue(); err != nil {
		return badRequest("The body is not valid JSON in UTF-8 (no invalid bytes, no unpaired surrogate escapes): " + err.Error())
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("The body is not the JSON object this endpoint wants: " + err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("The body holds more than one JSON value.")
	}
	return nil
}

// apiPaperID reads the paper id of /api/papers/{id}/... and of the
// two-segment old-style ids (/api/papers/hep-th/9901001/...).
func apiPaperID(r *http.Request) (paper.ID, error) {
	raw := r.PathValue("id")
	if a := r.PathValue("archive"); a != "" {
		raw = a + "/" + r.PathValue("num")
	}
	id, _, err := paper.ParseID(raw)
	if err != nil {
		return "", badRequest(fmt.Sprintf("%q is not an arXiv id.", raw))
	}
	return id, nil
}

type apiSubmitRequest struct {
	PaperID     string `json:"paper_id"`
	Comment     string `json:"comment,omitempty"`
	GitHubRepo  string `json:"githubRepo,omitempty"`
	ProjectPage string `json:"projectPage,omitempty"`
}

// apiSubmit answers POST /api/papers/submit.
func (s *Server) apiSubmit(w http.ResponseWriter, r *http.Request, a *store.Account) error {
	var req apiSubmitRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	if req.PaperID == "" {
		return badRequest("paper_id is required.")
	}
	// The comment is checked before the paper goes on the feed, so that a
	// refused comment refuses the whole request.
	var (
		body    string
		html    template.HTML
		comment = strings.TrimSpace(req.Comment) != ""
	)
	if comment {
		var err error
		if body, html, err = prepareComment(req.Comment); err != nil {
			return err
		}
	}
	item, err := s.submit(r.Context(), a, s.clientIP(r), submission{Ref: req.PaperID, GitHub: req.GitHubRepo, ProjectPage: req.ProjectPage})
	var dup *onFeedError
	if errors.As(err, &dup) {
		return &httpError{status: http.StatusConflict, msg: fmt.Sprintf("%s is already on the feed of %s.", dup.item.Paper.ID, dup.item.Day)}
	}
	if err != nil {
		return err
	}
	resp := map[string]any{"paper": apiPaperSummary(&item.Paper), "day": item.Day, "submittedBy": a.Username}
	if comment {
		c, err := s.addComment(r, a, item.Paper.ID, 0, body, html, "")
		if err != nil {
			return err
		}
		resp["comment"] = apiComment(&c)
	}
	writeJSON(w, http.StatusCreated, resp)
	return nil
}

// apiVote answers POST (upvote) and DELETE (withdraw) on /api/papers/{id}/upvote.
func (s *Server) apiVote(w http.ResponseWriter, r *http.Request, a *store.Account) error {
	id, err := apiPaperID(r)
	if err != nil {
		return err
	}
	up := r.Method == http.MethodPost
	n, err := s.castVote(r.Context(), a, s.clientIP(r), id, up)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "upvotes": n, "upvoted": up})
	return nil
}

type apiCommentRequest struct {
	Comment  string `json:"comment"`
	ParentID int64  `json:"parent_id,omitempty"`
}

// apiCommentPost answers POST /api/papers/{id}/comment.
func (s *Server) apiCommentPost(w http.ResponseWriter, r *http.Request, a *store.Account) error {
	id, err := apiPaperID(r)
	if err != nil {
		return err
	}
	var req apiCommentRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	body, html, err := prepareComment(req.Comment)
	if err != nil {
		return err
	}
	c, err := s.addComment(r, a, id, req.ParentID, body, html, "")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, apiComment(&c))
	return nil
}

func apiPaperSummary(p *paper.Paper) map[string]any {
	return map[string]any{"id": p.ID, "title": p.Title, "upvotes": p.Upvotes, "numComments": p.NumComments,
		"githubRepo": p.GitHubRepo, "projectPage": p.ProjectPage}
}

func apiComment(c *store.Comment) map[string]any {
	m := map[string]any{"id": c.ID, "paper": c.PaperID, "author": c.Author.Username, "comment": c.Body,
		"createdAt": apiTime(c.CreatedAt)}
	if c.ParentID != 0 {
		m["parent_id"] = c.ParentID
	}
	return m
}
