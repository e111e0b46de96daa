package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/dailypapers/dailypapers/internal/library"
	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// collectionFormPage makes a new collection.
type collectionFormPage struct {
	layout
	Form   collectionForm
	Paper  *paper.Paper // to add once the collection is made
	Themes []string
	Error  string
	Max    struct{ Title, Description int }
}

// collectionForm is what the collection forms hold.
type collectionForm struct {
	Title, Description, Theme string
	Private                   bool
}

// readCollectionForm reads and checks a collection's fields from a form.
func readCollectionForm(r *http.Request) (collectionForm, error) {
	f := collectionForm{Title: r.PostFormValue("title"), Description: r.PostFormValue("description"),
		Theme: r.PostFormValue("theme"), Private: r.PostFormValue("private") == "1"}
	var err error
	if f.Title, err = library.Title(f.Title); err != nil {
		return f, err
	}
	if f.Description, err = library.Description(f.Description); err != nil {
		return f, err
	}
	f.Theme, err = library.Theme(f.Theme)
	return f, err
}

// formPaper reads the optional paper of a form or query, which must be
// in the catalogue.
func (s *Server) formPaper(r *http.Request, raw string) (*paper.Paper, error) {
	if raw == "" {
		return nil, nil
	}
	id, _, err := paper.ParseID(raw)
	if err != nil {
		return nil, badRequest("That is not an arXiv id.")
	}
	p, err := s.store.Paper(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("Paper " + string(id) + " is not in this catalogue.")
	}
	return &p, err
}

func (s *Server) showCollectionForm(w http.ResponseWriter, r *http.Request, status int, page *collectionFormPage) error {
	page.layout = s.layout(r, "New collection", "")
	page.Themes = library.Themes
	page.Max.Title, page.Max.Description = library.MaxTitle, library.MaxDescription
	return s.render(w, status, "collection_new", page)
}

// collectionNewForm serves GET /collections/new (?paper= to add one).
func (s *Server) collectionNewForm(w http.ResponseWriter, r *http.Request) error {
	if viewer(r) == nil {
		signInFirst(w, r, localPath(r.URL.RequestURI()), "library")
		return nil
	}
	p, err := s.formPaper(r, r.URL.Query().Get("paper"))
	if err != nil {
		return err
	}
	return s.showCollectionForm(w, r, http.StatusOK, &collectionFormPage{Paper: p, Form: collectionForm{Theme: library.DefaultTheme}})
}

// collectionCreate answers POST /collections: a new collection, with the
// form's paper in it when there is one.
func (s *Server) collectionCreate(w http.ResponseWriter, r *http.Request) error {
	a := viewer(r)
	if a == nil {
		signInFirst(w, r, "/collections/new", "library")
		return nil
	}
	if err := s.allowLibrary(r, a); err != nil {
		return err
	}
	p, err := s.formPaper(r, r.PostFormValue("paper"))
	if err != nil {
		return err
	}
	form, err := readCollectionForm(r)
	refuse := func(err error) error {
		var he *httpError
		if !errors.As(err, &he) || he.status >= 500 {
			return err
		}
		form.Title = strings.TrimSpace(r.PostFormValue("title"))
		form.Description = r.PostFormValue("description")
		return s.showCollectionForm(w, r, he.status, &collectionFormPage{Form: form, Paper: p, Error: he.msg})
	}
	if err != nil {
		return refuse(libraryError(err, "collection"))
	}
	c, err := s.store.CreateCollection(r.Context(), store.Collection{Owner: a.User, Title: form.Title, Description: form.Description,
		Private: form.Private, Theme: form.Theme, CreatedAt: s.now()}, library.MaxCollections)
	if err != nil {
		return refuse(libraryError(err, "collection"))
	}
	if p != nil {
		// The collection is new and empty: nothing but a failure refuses this.
		if _, err := s.store.AddCollectionItem(r.Context(), store.CollectionItem{CollectionID: c.ID, Paper: *p, AddedAt: s.now()}, library.MaxItems); err != nil {
			return err
		}
		s.recs.Signalled(a.ID, store.Signal{Kind: store.SignalCollected, Paper: p.ID}, true)
	}
	http.Redirect(w, r, collectionPath(c), http.StatusSeeOther)
	return nil
}

// collectionAdd answers POST /collections/add, the paper page's "Add to a
// collection": the paper goes at the end of one of the viewer's
// collections, with a note when one is given.
func (s *Server) collectionAdd(w http.ResponseWriter, r *http.Request) error {
	a := viewer(r)
	if a == nil {
		signInFirst(w, r, backTo(r, "/"), "library")
		return nil
	}
	if err := s.allowLibrary(r, a); err != nil {
		return err
	}
	p, err := s.formPaper(r, r.PostFormValue("paper"))
	if err != nil {
		return err
	}
	if p == nil {
		return badRequest("Say which paper to add.")
	}
	id, err := strconv.ParseInt(r.PostFormValue("collection"), 10, 64)
	if err != nil {
		return badRequest("Choose one of your collections.")
	}
	c, err := s.store.Collection(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || err == nil && c.Owner.ID != a.ID {
		return notFound("You have no such collection.")
	}
	if err != nil {
		return err
	}
	body, html, err := library.Note(r.PostFormValue("note"))
	if err != nil {
		return libraryError(err, "item")
	}
	_, err = s.store.AddCollectionItem(r.Context(), store.CollectionItem{CollectionID: c.ID, Paper: *p, Note: body, NoteHTML: html, AddedAt: s.now()}, library.MaxItems)
	if errors.Is(err, store.ErrConflict) {
		// Adding what is there already leaves the reader where it is.
		http.Redirect(w, r, collectionPath(c), http.StatusSeeOther)
		return nil
	}
	if err := libraryError(err, "item"); err != nil {
		return err
	}
	s.recs.Signalled(c.Owner.ID, store.Signal{Kind: store.SignalCollected, Paper: p.ID}, true)
	http.Redirect(w, r, collectionPath(c), http.StatusSeeOther)
	return nil
}

// ownedCollection is the collection of a POST to
// /collections/{owner}/{slug}/…, which only its owner may make.
func (s *Server) ownedCollection(w http.ResponseWriter, r *http.Request) (*store.Collection, error) {
	a := viewer(r)
	if a == nil {
		signInFirst(w, r, backTo(r, "/"), "library")
		return nil, nil
	}
	c, err := s.ownCollection(r.Context(), r.PathValue("owner"), r.PathValue("slug"), a)
	if err != nil {
		return nil, err
	}
	if err := s.allowLibrary(r, a); err != nil {
		return nil, err
	}
	return &c, nil
}

// refuseOnPage shows a collection's page again with a refused change's
// message (and the refused note, for the item it was for).
func (s *Server) refuseOnPage(w http.ResponseWriter, r *http.Request, c store.Collection, err error, item int64, draft string) error {
	var he *httpError
	if !errors.As(err, &he) || he.status >= 500 {
		return err
	}
	return s.showCollection(w, r, c, he.status, func(p *collectionPage) {
		p.Error, p.Draft, p.DraftItem = he.msg, draft, item
	})
}

// collectionEdit answers POST /collections/{owner}/{slug}/edit.
func (s *Server) collectionEdit(w http.ResponseWriter, r *http.Request) error {
	c, err := s.ownedCollection(w, r)
	if c == nil {
		return err
	}
	form, err := readCollectionForm(r)
	if err != nil {
		return s.refuseOnPage(w, r, *c, libraryError(err, "collection"), 0, "")
	}
	c.Title, c.Description, c.Private, c.Theme, c.UpdatedAt = form.Title, form.Description, form.Private, form.Theme, s.now()
	up, err := s.store.UpdateCollection(r.Context(), *c)
	if err != nil {
		return s.refuseOnPage(w, r, *c, libraryError(err, "collection"), 0, "")
	}
	http.Redirect(w, r, collectionPath(up), http.StatusSeeOther)
	return nil
}

// collectionDelete answers POST /collections/{owner}/{slug}/delete.
func (s *Server) collectionDelete(w http.ResponseWriter, r *http.Request) error {
	c, err := s.ownedCollection(w, r)
	if c == nil {
		return err
	}
	if err := s.store.DeleteCollection(r.Context(), c.ID); err != nil {
		return err
	}
	s.recs.Changed(c.Owner.ID) // its papers were For-you signals
	http.Redirect(w, r, userPath(c.Owner.Username), http.StatusSeeOther)
	return nil
}

// collectionItemPost answers POST /collections/{owner}/{slug}/items/{item}/{action}:
// note (set the note), move (to position) and delete.
func (s *Server) collectionItemPost(w http.ResponseWriter, r *http.Request) error {
	c, err := s.ownedCollection(w, r)
	if c == nil {
		return err
	}
	item, err := strconv.ParseInt(r.PathValue("item"), 10, 64)
	if err != nil {
		return notFound("There is no such paper in this collection.")
	}
	ctx := r.Context()
	switch r.PathValue("action") {
	case "note":
		raw := r.PostFormValue("note")
		body, html, err := library.Note(raw)
		if err != nil {
			return s.refuseOnPage(w, r, *c, libraryError(err, "item"), item, raw)
		}
		err = s.store.UpdateCollectionItem(ctx, c.ID, item, store.ItemChange{SetNote: true, Note: body, NoteHTML: html, At: s.now()})
		if err != nil {
			return err
		}
	case "move":
		pos, err := strconv.Atoi(r.PostFormValue("position"))
		if err != nil {
			return badRequest("Say where to move the paper to, as a number.")
		}
		if err := s.store.UpdateCollectionItem(ctx, c.ID, item, store.ItemChange{Move: true, Position: pos, At: s.now()}); err != nil {
			return err
		}
	case "delete":
		if err := s.store.DeleteCollectionItem(ctx, c.ID, item, s.now()); err != nil {
			return err
		}
		s.recs.Changed(c.Owner.ID)
	default:
		return notFound("There is no page at this address.")
	}
	http.Redirect(w, r, backTo(r, collectionPath(*c))+"#item-"+strconv.FormatInt(item, 10), http.StatusSeeOther)
	return nil
}
