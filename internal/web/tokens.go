package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/dailypapers/dailypapers/internal/auth"
	"github.com/dailypapers/dailypapers/internal/store"
)

// maxTokens bounds how many live tokens one account may hold.
const maxTokens = 20

// tokensPage lists the viewer's API tokens.
type tokensPage struct {
	layout
	Tokens   []store.APIToken
	NewToken string // shown once, right after it is made
	NewName  string
	Error    string
}

func (s *Server) tokensShow(w http.ResponseWriter, r *http.Request) error {
	return s.showTokens(w, r, http.StatusOK, &tokensPage{})
}

func (s *Server) showTokens(w http.ResponseWriter, r *http.Request, status int, page *tokensPage) error {
	a := viewer(r)
	if a == nil {
		signInFirst(w, r, "/settings/tokens", "tokens")
		return nil
	}
	var err error
	if page.Tokens, err = s.store.APITokens(r.Context(), a.ID); err != nil {
		return err
	}
	page.layout = s.layout(r, "API tokens", "")
	w.Header().Set("Cache-Control", "no-store") // the page can hold a new token
	return s.render(w, status, "tokens", page)
}

func (s *Server) tokenCreate(w http.ResponseWriter, r *http.Request) error {
	a := viewer(r)
	if a == nil {
		signInFirst(w, r, "/settings/tokens", "tokens")
		return nil
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	if name == "" || len(name) > 100 || checkText(name) != nil {
		return s.showTokens(w, r, http.StatusBadRequest, &tokensPage{Error: "Give the token a name of up to 100 characters, such as the program that will use it."})
	}
	live := 0
	old, err := s.store.APITokens(r.Context(), a.ID)
	if err != nil {
		return err
	}
	for _, t := range old {
		if t.RevokedAt.IsZero() {
			live++
		}
	}
	if live >= maxTokens {
		return s.showTokens(w, r, http.StatusConflict, &tokensPage{Error: "You have 20 tokens already. Revoke one you no longer use first."})
	}
	token, hash, shown := auth.NewAPIToken()
	_, err = s.store.CreateAPIToken(r.Context(), store.APIToken{UserID: a.ID, Name: name, Prefix: shown,
		TokenHash: hash, CreatedAt: s.now()})
	if err != nil {
		return err
	}
	s.log.Info("API token created", "user", a.Username)
	return s.showTokens(w, r, http.StatusOK, &tokensPage{NewToken: token, NewName: name})
}

func (s *Server) tokenRevoke(w http.ResponseWriter, r *http.Request) error {
	a := viewer(r)
	if a == nil {
		signInFirst(w, r, "/settings/tokens", "tokens")
		return nil
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound("There is no such token.")
	}
	if err := s.store.RevokeAPIToken(r.Context(), a.ID, id, s.now()); errors.Is(err, store.ErrNotFound) {
		return notFound("There is no such token.")
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/settings/tokens", http.StatusSeeOther)
	return nil
}
