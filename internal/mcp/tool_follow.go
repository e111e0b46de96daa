package mcp

import (
	"context"
	"fmt"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/dailypapers/dailypapers/internal/paper"
	"github.com/dailypapers/dailypapers/internal/store"
)

// Follows are what readers follow, as the Follow buttons and /following
// keep them: follow, unfollow and following_papers are offered when the
// site has them.
type Follows interface {
	// Follow makes a follow of a's (or ends it, following false), as the
	// Follow buttons do, under the same rules and bound. kind is author,
	// category, person or collection; target an author's name, an arXiv
	// category or archive, a username, or a public collection's slug or
	// address.
	Follow(ctx context.Context, a *store.Account, kind, target string, following bool) (Followed, error)
	// Following is what a follows and, after the cursor ("" for the
	// first), at most limit of the Following page's papers, newest first.
	Following(ctx context.Context, a *store.Account, after string, limit int) (FollowingPage, error)
}

// Followed is one thing a reader follows.
type Followed struct {
	Kind   string `json:"kind" jsonschema:"author, category, person or collection"`
	Target string `json:"target" jsonschema:"what to give unfollow to stop following it"`
	Label  string `json:"label" jsonschema:"its name"`
	URL    string `json:"url,omitempty" jsonschema:"its page on this site"`
}

// FollowingPage is the Following page: the follows and a page of papers.
type FollowingPage struct {
	Follows []Followed
	Items   []store.FeedItem
	Read    map[paper.ID]bool // the papers the reader marked read
	Next    string            // the cursor of the next page; "" at the end
}

// FollowInput is follow's and unfollow's arguments.
type FollowInput struct {
	Kind   string `json:"kind" jsonschema:"what to follow: author, category, person or collection"`
	Target string `json:"target" jsonschema:"an author's name (Yann LeCun), an arXiv category or archive (cs.CL, cs), a person's username, or a public collection's slug (owner/title-slug-id) or address"`
}

// FollowOutput is follow's and unfollow's result.
type FollowOutput struct {
	Followed
	Following bool `json:"following" jsonschema:"whether you follow it now"`
}

// FollowingInput is following_papers' arguments.
type FollowingInput struct {
	Limit int    `json:"limit,omitempty" jsonschema:"how many papers"`
	After string `json:"after,omitempty" jsonschema:"the next cursor of the page before, to read on"`
}

// FollowingPaper is a paper from what one follows.
type FollowingPaper struct {
	Paper
	Read bool `json:"read,omitempty" jsonschema:"you marked it read on the site"`
}

// FollowingOutput is following_papers' result.
type FollowingOutput struct {
	Follows []Followed       `json:"follows" jsonschema:"what you follow"`
	Papers  []FollowingPaper `json:"papers" jsonschema:"their papers, newest first"`
	Next    string           `json:"next,omitempty" jsonschema:"give it as after for the next page; absent at the end"`
}

// followKinds are what one may follow.
var followKinds = []string{"author", "category", "person", "collection"}

// maxFollowing bounds a page of following_papers.
const maxFollowing = 100

func init() {
	register(func(s *Server) {
		fs, ok := s.site.(Follows)
		if !ok {
			return
		}
		kinds := func(in *inputSchema) {
			p := in.prop("kind")
			for _, k := range followKinds {
				p.Enum = append(p.Enum, k)
			}
			in.maxLength("target", 300)
		}
		follow := func(on bool) handler[FollowInput, FollowOutput] {
			return func(ctx context.Context, c Caller, in FollowInput) (FollowOutput, string, error) {
				return s.follow(ctx, c, fs, in, on)
			}
		}
		addTool(s, &sdk.Tool{Name: "follow", Title: "Follow",
			Description: "Follow an author, an arXiv category, a person (their submissions) or a public collection as the account " +
				"of your personal API token: their new papers come to following_papers (and the site's Following page). Needs a token.",
			Annotations: &sdk.ToolAnnotations{Title: "Follow", IdempotentHint: true, DestructiveHint: new(false), OpenWorldHint: new(false)}},
			kinds, follow(true))
		addTool(s, &sdk.Tool{Name: "unfollow", Title: "Unfollow",
			Description: "Stop following an author, a category, a person or a collection, named as follow names them " +
				"(following_papers lists what you follow). Needs a token.",
			Annotations: &sdk.ToolAnnotations{Title: "Unfollow", IdempotentHint: true, DestructiveHint: new(true), OpenWorldHint: new(false)}},
			kinds, follow(false))
		addTool(s, &sdk.Tool{Name: "following_papers", Title: "Papers from what you follow",
			Description: "The Following page of the account of your personal API token: what it follows, and the newest papers " +
				"of those authors, categories, people and collections, with read marks, a page at a time. Needs a token.",
			Annotations: readOnly("Papers from what you follow")},
			func(in *inputSchema) {
				in.between("limit", 1, maxFollowing, 30)
				in.maxLength("after", 100)
			},
			func(ctx context.Context, c Caller, in FollowingInput) (FollowingOutput, string, error) {
				return s.following(ctx, c, fs, in)
			})
	})
}

func (s *Server) follow(ctx context.Context, c Caller, fs Follows, in FollowInput, on bool) (FollowOutput, string, error) {
	tool := "follow"
	if !on {
		tool = "unfollow"
	}
	a, err := s.account(ctx, c, tool)
	if err != nil {
		return FollowOutput{}, "", err
	}
	f, err := fs.Follow(ctx, a, in.Kind, in.Target, on)
	if err != nil {
		return FollowOutput{}, "", err
	}
	out := FollowOutput{Followed: f, Following: on}
	if on {
		return out, fmt.Sprintf("%s now follows the %s %s; its papers come to following_papers.\n", a.Username, f.Kind, f.Label), nil
	}
	return out, fmt.Sprintf("%s does not follow the %s %s now.\n", a.Username, f.Kind, f.Label), nil
}

func (s *Server) following(ctx context.Context, c Caller, fs Follows, in FollowingInput) (FollowingOutput, string, error) {
	out := FollowingOutput{Follows: []Followed{}, Papers: []FollowingPaper{}}
	limit, err := limitOf(in.Limit, 30, maxFollowing)
	if err != nil {
		return out, "", err
	}
	a, err := s.account(ctx, c, "following_papers")
	if err != nil {
		return out, "", err
	}
	page, err := fs.Following(ctx, a, in.After, limit)
	if err != nil {
		return out, "", err
	}
	out.Follows = append(out.Follows, page.Follows...)
	out.Next = page.Next
	ps := s.feedPapers(page.Items)
	for i := range ps {
		out.Papers = append(out.Papers, FollowingPaper{Paper: ps[i], Read: page.Read[page.Items[i].Paper.ID]})
	}
	var b strings.Builder
	if len(out.Follows) == 0 {
		fmt.Fprintf(&b, "%s follows nothing yet; follow adds an author, a category, a person or a collection.\n", a.Username)
		return out, b.String(), nil
	}
	fmt.Fprintf(&b, "%s follows:\n", a.Username)
	for _, f := range out.Follows {
		fmt.Fprintf(&b, "- %s %s (target %q)\n", f.Kind, f.Label, f.Target)
	}
	if len(ps) == 0 {
		b.WriteString("\nNo papers from them")
		if in.After != "" {
			b.WriteString(" past this cursor")
		}
		b.WriteString(".\n")
		return out, b.String(), nil
	}
	b.WriteString("\nTheir papers, newest first:\n\n")
	textList(&b, ps, 0)
	if out.Next != "" {
		fmt.Fprintf(&b, "\nMore: call following_papers with after %q.\n", out.Next)
	}
	return out, b.String(), nil
}
