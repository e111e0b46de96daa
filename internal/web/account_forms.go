package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/dailypapers/dailypapers/internal/auth"
	"github.com/dailypapers/dailypapers/internal/mail"
	"github.com/dailypapers/dailypapers/internal/store"
)

// resetLife is how long a password-reset link works.
const resetLife = time.Hour

// accountPage is the sign-up, sign-in, forgotten-password and reset forms.
type accountPage struct {
	layout
	Next     string // where to go once signed in
	Why      string // why the visitor was sent to sign in (signInReasons), "" for no reason given
	WhyKey   string // the key of Why, for the form and the links between the pages
	Email    string
	Username string
	Fullname string
	Token    string // the reset link's token
	Sent     bool   // the reset mail has gone (or would have)
	Error    string // what is wrong, for the whole form
	Problems map[string]string
}

func (s *Server) accountPage(r *http.Request, title string) *accountPage {
	p := &accountPage{layout: s.layout(r, title, ""), Next: localPath(r.FormValue("next")), Problems: map[string]string{}}
	if why, ok := signInReasons[r.FormValue("why")]; ok {
		p.Why, p.WhyKey = why, r.FormValue("why")
	}
	return p
}

// formError re-renders a form with what is wrong, as a 400 (or the
// status of err, such as a 429).
func (s *Server) formError(w http.ResponseWriter, page string, p *accountPage, err error) error {
	status := http.StatusBadRequest
	var he *httpError
	if errors.As(err, &he) {
		if he.status >= 500 {
			return err
		}
		status, p.Error = he.status, he.msg
		if he.retryAfter > 0 {
			setRetryAfter(w, he.retryAfter)
		}
	} else if err != nil {
		p.Error = err.Error()
	}
	return s.render(w, status, page, p)
}

func (s *Server) signUpForm(w http.ResponseWriter, r *http.Request) error {
	if viewer(r) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	return s.render(w, http.StatusOK, "signup", s.accountPage(r, "Sign up"))
}

func (s *Server) signUp(w http.ResponseWriter, r *http.Request) error {
	p := s.accountPage(r, "Sign up")
	p.Email = strings.TrimSpace(r.PostFormValue("email"))
	p.Username = strings.TrimSpace(r.PostFormValue("username"))
	p.Fullname = strings.TrimSpace(r.PostFormValue("name"))
	password := r.PostFormValue("password")
	if err := s.allow(r.Context(), "sign-ups", limitKey{"sign-up/address", s.limits.SignUpAddress, s.clientIP(r)}); err != nil {
		return s.formError(w, "signup", p, err)
	}
	email, err := mail.CheckAddress(p.Email)
	if err != nil {
		p.Problems["email"] = err.Error()
	}
	if err := auth.CheckUsername(p.Username); err != nil {
		p.Problems["username"] = upperFirst(err.Error()) + "."
	}
	if err := checkName(p.Fullname); err != nil {
		p.Problems["name"] = err.Error()
	}
	if err := auth.CheckPassword(password); err != nil {
		p.Problems["password"] = upperFirst(err.Error()) + "."
	}
	if len(p.Problems) > 0 {
		return s.formError(w, "signup", p, errors.New("Please correct the fields marked below."))
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	a, err := s.store.CreateAccount(r.Context(), store.Account{User: store.User{Username: p.Username, Fullname: p.Fullname}, Email: email, PasswordHash: hash})
	if errors.Is(err, store.ErrConflict) {
		if _, e := s.store.AccountByEmail(r.Context(), email); e == nil {
			p.Problems["email"] = "An account with this address exists. Sign in, or reset its password."
		} else {
			p.Problems["username"] = "This username is taken. Please choose another."
		}
		return s.formError(w, "signup", p, errors.New("Please correct the fields marked below."))
	}
	if err != nil {
		return err
	}
	s.log.Info("account created", "user", a.Username, "id", a.ID)
	if err := s.signIn(w, r, &a); err != nil {
		return err
	}
	http.Redirect(w, r, p.Next, http.StatusSeeOther)
	return nil
}

// checkName refuses full names that could not be shown as a name.
func checkName(name string) error {
	if len(name) > 100 {
		return errors.New("A name is at most 100 characters.")
	}
	if err := checkText(name); err != nil {
		return err
	}
	return nil
}

func (s *Server) signInForm(w http.ResponseWriter, r *http.Request) error {
	if viewer(r) != nil {
		http.Redirect(w, r, localPath(r.FormValue("next")), http.StatusSeeOther)
		return nil
	}
	return s.render(w, http.StatusOK, "signin", s.accountPage(r, "Sign in"))
}

// dummyHash is a hash of no one's password, made at the first sign-in
// with an unknown address rather than at start: checking a password
// against it costs what checking a real one does.
var dummyHash = sync.OnceValue(func() string {
	h, err := auth.HashPassword("not a password anyone has")
	if err != nil {
		panic(err) // only a password over MaxPasswordBytes fails
	}
	return h
})

// wrongCredentials is the one message for an unknown address and a wrong
// password, so that the form does not tell which addresses have accounts.
const wrongCredentials = "That email address and password do not match an account."

func (s *Server) signInPost(w http.ResponseWriter, r *http.Request) error {
	p := s.accountPage(r, "Sign in")
	p.Email = strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	// Every attempt counts against the client's address; failures count
	// against the account typed from that address only (see Limits), so
	// that the owner, from anywhere else, is never refused for a
	// stranger's guesses.
	ip := s.clientIP(r)
	failures := limitKey{"sign-in/account", s.limits.SignInAccount, p.Email + " " + ip}
	if err := s.allowPeeking(r.Context(), "sign-in attempts", []limitKey{{"sign-in/address", s.limits.SignInAddress, ip}}, []limitKey{failures}); err != nil {
		return s.formError(w, "signin", p, err)
	}
	if p.Email == "" || password == "" {
		return s.formError(w, "signin", p, errors.New("Please give your email address and your password."))
	}
	wrong := func() error {
		if err := s.count(r.Context(), failures); err != nil {
			return err
		}
		return s.formError(w, "signin", p, errors.New(wrongCredentials))
	}
	a, err := s.store.AccountByEmail(r.Context(), p.Email)
	if errors.Is(err, store.ErrNotFound) {
		// Hash anyway, so that an unknown address takes as long as a wrong
		// password and timing does not tell them apart.
		_ = auth.VerifyPassword(dummyHash(), password)
		return wrong()
	}
	if err != nil {
		return err
	}
	if err := auth.VerifyPassword(a.PasswordHash, password); err != nil {
		return wrong()
	}
	if !a.DisabledAt.IsZero() {
		return s.formError(w, "signin", p, &httpError{status: http.StatusForbidden, msg: "This account has been disabled by the moderators."})
	}
	if err := s.signIn(w, r, &a); err != nil {
		return err
	}
	http.Redirect(w, r, p.Next, http.StatusSeeOther)
	return nil
}

func (s *Server) signOutPost(w http.ResponseWriter, r *http.Request) error {
	if err := s.signOut(w, r); err != nil {
		return err
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

func (s *Server) forgotForm(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, http.StatusOK, "forgot", s.accountPage(r, "Reset your password"))
}

// forgotPost mails a reset link when the address has an account. The page
// says the same either way.
func (s *Server) forgotPost(w http.ResponseWriter, r *http.Request) error {
	p := s.accountPage(r, "Reset your password")
	p.Email = strings.TrimSpace(r.PostFormValue("email"))
	if err := s.allow(r.Context(), "password reset requests",
		limitKey{"reset/address", s.limits.ResetAddress, s.clientIP(r)}, limitKey{"reset/account", s.limits.ResetAccount, p.Email}); err != nil {
		return s.formError(w, "forgot", p, err)
	}
	if p.Email == "" {
		return s.formError(w, "forgot", p, errors.New("Please give the email address of your account."))
	}
	a, err := s.store.AccountByEmail(r.Context(), p.Email)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.log.Info("password reset for an unknown address")
	case err != nil:
		return err
	case !a.DisabledAt.IsZero():
		s.log.Info("password reset for a disabled account", "user", a.Username)
	default:
		if err := s.sendReset(r, &a); err != nil {
			return err
		}
	}
	p.Sent = true
	return s.render(w, http.StatusOK, "forgot", p)
}

func (s *Server) sendReset(r *http.Request, a *store.Account) error {
	token, hash := auth.NewSessionToken()
	now := s.now()
	if err := s.store.CreatePasswordReset(r.Context(), store.PasswordReset{TokenHash: hash, UserID: a.ID, CreatedAt: now, ExpiresAt: now.Add(resetLife)}); err != nil {
		return err
	}
	link := s.baseURL + "/reset/" + token
	text := fmt.Sprintf(`Hello %s,

someone (we hope you) asked to reset the password of your %s account.
Open this link within an hour to choose a new one:

%s

If you did not ask for this, ignore this mail: your password stays as it is.
`, a.Username, s.siteName, link)
	msg := mail.Message{To: a.Email, Subject: "Reset your " + s.siteName + " password", Text: text}
	if err := s.mail.Send(r.Context(), msg); err != nil {
		return fmt.Errorf("sending the reset mail: %w", err)
	}
	s.log.Info("password reset mailed", "user", a.Username)
	return nil
}

func (s *Server) resetForm(w http.ResponseWriter, r *http.Request) error {
	p := s.accountPage(r, "Choose a new password")
	p.Token = r.PathValue("token")
	return s.render(w, http.StatusOK, "reset", p)
}

func (s *Server) resetPost(w http.ResponseWriter, r *http.Request) error {
	p := s.accountPage(r, "Choose a new password")
	p.Token = r.PathValue("token")
	password := r.PostFormValue("password")
	if err := auth.CheckPassword(password); err != nil {
		p.Problems["password"] = upperFirst(err.Error()) + "."
		return s.formError(w, "reset", p, errors.New("Please choose another password."))
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	a, err := s.store.ResetPassword(r.Context(), auth.HashToken(p.Token), hash, s.now())
	if errors.Is(err, store.ErrNotFound) {
		p.Token = ""
		return s.formError(w, "reset", p, errors.New("This reset link is not valid: it was used already, has expired, or was mistyped. Ask for a new one."))
	}
	if err != nil {
		return err
	}
	s.log.Info("password reset", "user", a.Username)
	if err := s.signIn(w, r, &a); err != nil {
		return err
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
