package syndication

import (
	"encoding/json"
	"time"
)

// JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/).
type jsonFeed struct {
	Version     string           `json:"version"`
	Title       string           `json:"title"`
	HomePageURL string           `json:"home_page_url"`
	FeedURL     string           `json:"feed_url"`
	Description string           `json:"description,omitempty"`
	Authors     []jsonFeedAuthor `json:"authors,omitempty"`
	Items       []jsonFeedItem   `json:"items"`
}

type jsonFeedAuthor struct {
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

type jsonFeedItem struct {
	ID            string           `json:"id"`
	URL           string           `json:"url"`
	ExternalURL   string           `json:"external_url"`
	Title         string           `json:"title"`
	ContentText   string           `json:"content_text"`
	DatePublished string           `json:"date_published"`
	DateModified  string           `json:"date_modified"`
	Image         string           `json:"image"` // the paper's title card, for readers that show one
	Authors       []jsonFeedAuthor `json:"authors,omitempty"`
	Tags          []string         `json:"tags,omitempty"`
}

// JSON writes the feed as a JSON Feed 1.1 document.
func JSON(feed *Feed, site Site) ([]byte, error) {
	doc := jsonFeed{
		Version:     "https://jsonfeed.org/version/1.1",
		Title:       feed.Title,
		HomePageURL: site.abs(feed.Home),
		FeedURL:     site.selfURL(feed, "json"),
		Description: feed.Description,
		Authors:     []jsonFeedAuthor{{Name: site.Name, URL: site.abs("/")}},
		Items:       make([]jsonFeedItem, 0, len(feed.Entries)),
	}
	for _, e := range feed.Entries {
		it := jsonFeedItem{
			ID:            e.ID.AbsURL(),
			URL:           site.abs(e.ID.Path()),
			ExternalURL:   e.ID.AbsURL(),
			Title:         e.Title,
			ContentText:   e.Abstract,
			DatePublished: e.Published.Format(time.RFC3339),
			DateModified:  e.Updated.Format(time.RFC3339),
			Image:         e.Image,
			Tags:          e.Categories,
		}
		for _, a := range e.Authors {
			it.Authors = append(it.Authors, jsonFeedAuthor{Name: a})
		}
		doc.Items = append(doc.Items, it)
	}
	// Indented like the XML formats; <, > and & are escaped as \u003c and
	// so on, which is harmless and safe should the document ever be
	// embedded in HTML.
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
