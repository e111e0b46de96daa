package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/dailypapers/dailypapers/internal/markdown"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// vote answers POST /vote (paper, up=1|0): from a script asking for JSON,
// {"paper", "upvotes", "upvoted"}; from a plain form, a redirect back.
func (s *Server) vote(w http.ResponseWriter, r *http.Request) error {
	id, _, err := paper.ParseID(r.PostFormValue("paper"))
	if err != nil {
		return badRequest("That is not an arXiv id.")
	}
	a := viewer(r)
	if a == nil {
		if wantsJSON(r) {
			return &httpError{status: http.StatusUnauthorized, msg: "Sign in to upvote papers."}
		}
		signInFirst(w, r, backTo(r, id.Path()), "vote")
		return nil
	}
	up := r.PostFormValue("up") != "0"
	n, err := s.castVote(r.Context(), a, s.clientIP(r), id, up)
	if err != nil {
		return err
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]any{"paper": id, "upvotes": n, "upvoted": up})
		return nil
	}
	http.Redirect(w, r, backTo(r, id.Path()), http.StatusSeeOther)
	return nil
}

// castVote upvotes paper id for account a (or withdraws the vote), from
// the pages, the API and the MCP tools alike, within the limits of the
// account and of its client address ip; it returns the paper's upvotes.
func (s *Server) castVote(ctx context.Context, a *store.Account, ip string, id paper.ID, up bool) (int, error) {
	if err := s.allowVoteFrom(ctx, a, ip); err != nil {
		return 0, err
	}
	n, err := s.store.Vote(ctx, a.ID, id, up)
	if errors.Is(err, store.ErrNotFound) {
		return 0, notFound("Paper " + string(id) + " is not in this catalogue.")
	}
	return n, err
}

// allowVote keeps votes and the For-you signals the cards send, from the
// pages and the API, within the limits of an account and of an address.
func (s *Server) allowVote(r *http.Request, a *store.Account) error {
	return s.allowVoteFrom(r.Context(), a, s.clientIP(r))
}

func (s *Server) allowVoteFrom(ctx context.Context, a *store.Account, ip string) error {
	return s.allow(ctx, "votes", limitKey{"vote/account", s.limits.VoteAccount, fmt.Sprint(a.ID)},
		limitKey{"vote/address", s.limits.VoteAddress, ip})
}

// commentView is a comment as a page shows it.
type commentView struct {
	store.Comment
	HTML    template.HTML
	Mine    bool // the viewer wrote it
	Gone    bool // deleted or hidden: only its place is shown, for its replies
	Replies []commentView
}

// commentThreads arranges a paper's comments for its page: top-level
// comments oldest first, each with its replies. Deleted and hidden
// comments keep their place only when they have replies to show; admins
// see hidden comments' text, marked. Comments show the HTML stored with
// them; only one stored before that was (see storedHTML) is rendered here.
func (s *Server) commentThreads(ctx context.Context, cs []store.Comment, v *store.Account) []commentView {
	admin := v != nil && v.Admin
	view := func(c store.Comment) (commentView, bool) {
		cv := commentView{Comment: c, Mine: v != nil && c.Author.ID == v.ID}
		switch {
		case !c.DeletedAt.IsZero():
			cv.Gone = true
		case c.Hidden && !admin:
			cv.Gone = true
		case c.HTML != "":
			cv.HTML = c.HTML
		default:
			cv.HTML = s.storedHTML(ctx, c)
		}
		return cv, !cv.Gone
	}
	var threads []commentView
	at := map[int64]int{} // top-level comment id -> index in threads
	for _, c := range cs {
		if c.ParentID != 0 {
			continue
		}
		cv, _ := view(c)
		at[c.ID] = len(threads)
		threads = append(threads, cv)
	}
	for _, c := range cs {
		i, ok := at[c.ParentID]
		if c.ParentID == 0 || !ok {
			continue
		}
		if cv, show := view(c); show {
			threads[i].Replies = append(threads[i].Replies, cv)
		}
	}
	out := threads[:0]
	for _, t := range threads {
		if !t.Gone || len(t.Replies) > 0 {
			out = append(out, t)
		}
	}
	return out
}

// storedHTML renders a comment stored before comments were stored with
// their HTML and stores the HTML, so that it is rendered once. serve
// renders them all at start (RenderStoredComments); this covers the
// comments a process of an older version adds meanwhile. markdown.Render
// keeps to Prepare's bounds, showing as plain text a comment beyond them.
func (s *Server) storedHTML(ctx context.Context, c store.Comment) template.HTML {
	html := markdown.Render(c.Body)
	if err := s.store.SetCommentHTML(ctx, c.ID, c.Body, html); err != nil {
		s.log.Warn("comment HTML not stored", "comment", c.ID, "err", err)
	}
	return html
}

// RenderStoredComments renders and stores the HTML of every comment stored
// without it (before comments were stored with their HTML), so that no
// page view has to. It reports how many it rendered.
func (s *Server) RenderStoredComments(ctx context.Context) (int, error) {
	n, last := 0, int64(0)
	for {
		cs, err := s.store.UnrenderedComments(ctx, 200)
		if err != nil {
			return n, err
		}
		// Stored HTML takes a comment off the list; one that comes back
		// was not stored (edited meanwhile), and its edit stored its HTML.
		if len(cs) == 0 || cs[0].ID <= last {
			return n, nil
		}
		for _, c := range cs {
			if err := s.store.SetCommentHTML(ctx, c.ID, c.Body, markdown.Render(c.Body)); err != nil {
				return n, err
			}
			n++
		}
		last = cs[len(cs)-1].ID
	}
}

// commentPost answers POST /comments (paper, parent, body).
func (s *Server) commentPost(w http.ResponseWriter, r *http.Request) error {
	id, _, err := paper.ParseID(r.PostFormValue("paper"))
	if err != nil {
		return badRequest("That is not an arXiv id.")
	}
	a := viewer(r)
	if a == nil {
		signInFirst(w, r, id.Path()+"#comments", "comment")
		return nil
	}
	var parent int64
	if v := r.PostFormValue("parent"); v != "" {
		if parent, err = strconv.ParseInt(v, 10, 64); err != nil || parent <= 0 {
			return badRequest("The comment being answered is not a valid one.")
		}
	}
	key := r.PostFormValue("key")
	if len(key) > 64 {
		return badRequest("The form is damaged; please reload the page.")
	}
	draft := r.PostFormValue("body")
	body, html, err := markdown.Prepare(draft)
	if err != nil {
		// The page again, with the reason and the text kept in its form.
		return s.showPaper(w, r, id, http.StatusBadRequest, func(p *paperPage) {
			p.Draft = commentDraft{Body: draft, Error: err.Error()}
			for _, t := range p.Comments {
				if t.ID == parent && !t.Gone {
					p.Draft.Parent = parent // in its reply form; else in the page's
				}
			}
		})
	}
	c, err := s.addComment(r, a, id, parent, body, html, key)
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("%s#c%d", id.Path(), c.ID), http.StatusSeeOther)
	return nil
}

// prepareComment checks and renders a comment's body for the API
// (markdown.Prepare): a refusal is a 400 with the reason.
func prepareComment(body string) (string, template.HTML, error) {
	body, html, err := markdown.Prepare(body)
	if err != nil {
		return "", "", badRequest(err.Error())
	}
	return body, html, nil
}

// addComment stores a comment whose body markdown.Prepare accepted, with
// the HTML it rendered, for the page and the API.
func (s *Server) addComment(r *http.Request, a *store.Account, id paper.ID, parent int64, body string, html template.HTML, key string) (store.Comment, error) {
	if err := s.allow(r.Context(), "comments", limitKey{"comment/account", s.limits.CommentAccount, fmt.Sprint(a.ID)}, limitKey{"comment/address", s.limits.CommentAddress, s.clientIP(r)}); err != nil {
		return store.Comment{}, err
	}
	c, err := s.store.AddComment(r.Context(), store.Comment{PaperID: id, ParentID: parent, Author: a.User, Body: body, HTML: html, CreatedAt: s.now(), Key: key})
	switch {
	case errors.Is(err, store.ErrInvalid):
		return c, badRequest("Replies go one level deep: answer the comment that started the thread.")
	case errors.Is(err, store.ErrNotFound):
		return c, notFound("That paper or comment does not exist (any more).")
	case err != nil:
		return c, err
	}
	s.log.Info("comment added", "paper", id, "user", a.Username, "comment", c.ID)
	return c, nil
}

// ownComment loads the comment of the {id} path and checks that the viewer
// may change it: its author, or an admin when adminToo.
func (s *Server) ownComment(r *http.Request, adminToo bool) (store.Comment, *store.Account, error) {
	a := viewer(r)
	if a == nil {
		return store.Comment{}, nil, &httpError{status: http.StatusUnauthorized, msg: "Sign in first."}
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return store.Comment{}, nil, notFound("There is no such comment.")
	}
	c, err := s.store.Comment(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || err == nil && !c.DeletedAt.IsZero() {
		return c, nil, notFound("This comment does not exist (any more).")
	}
	if err != nil {
		return c, nil, err
	}
	if c.Author.ID != a.ID && !(adminToo && a.Admin) {
		return c, nil, forbidden("Only the author of a comment may change it.")
	}
	return c, a, nil
}

// editPage is the form that edits a comment.
type editPage struct {
	layout
	Comment store.Comment
	Body    string
	Error   string
}

func (s *Server) commentEditForm(w http.ResponseWriter, r *http.Request) error {
	c, _, err := s.ownComment(r, false)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "comment_edit", &editPage{layout: s.layout(r, "Edit your comment", ""), Comment: c, Body: c.Body})
}

func (s *Server) commentEditPost(w http.ResponseWriter, r *http.Request) error {
	c, _, err := s.ownComment(r, false)
	if err != nil {
		return err
	}
	draft := r.PostFormValue("body")
	body, html, err := markdown.Prepare(draft)
	if err != nil {
		return s.render(w, http.StatusBadRequest, "comment_edit", &editPage{layout: s.layout(r, "Edit your comment", ""), Comment: c, Body: draft, Error: err.Error()})
	}
	if err := s.store.EditComment(r.Context(), c.ID, body, html, s.now()); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("%s#c%d", c.PaperID.Path(), c.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) commentDeletePost(w http.ResponseWriter, r *http.Request) error {
	c, a, err := s.ownComment(r, true)
	if err != nil {
		return err
	}
	if err := s.store.DeleteComment(r.Context(), c.ID, s.now()); err != nil {
		return err
	}
	s.log.Info("comment deleted", "comment", c.ID, "by", a.Username)
	http.Redirect(w, r, c.PaperID.Path()+"#comments", http.StatusSeeOther)
	return nil
}

// commentReportPost files a report of a comment for the moderators.
func (s *Server) commentReportPost(w http.ResponseWriter, r *http.Request) error {
	a := viewer(r)
	if a == nil {
		signInFirst(w, r, backTo(r, "/"), "report")
		return nil
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFound("There is no such comment.")
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if len(reason) > 500 || checkText(reason) != nil {
		return badRequest("A reason is at most 500 characters of plain text.")
	}
	c, err := s.store.Comment(r.Context(), id)
	if err != nil {
		return err
	}
	_, err = s.store.ReportComment(r.Context(), store.Report{CommentID: id, ReporterID: a.ID, Reason: reason, CreatedAt: s.now()})
	if err != nil && !errors.Is(err, store.ErrConflict) { // a second report of the same comment is the first one
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("%s?reported=%d#c%d", c.PaperID.Path(), id, id), http.StatusSeeOther)
	return nil
}
