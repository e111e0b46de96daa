package syndication

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// Text and the XML writers keep every document well-formed whatever the
// paper holds: characters XML cannot carry become U+FFFD, markup is
// character references, and "]]>" never appears.
func TestEscaping(t *testing.T) {
	for _, tc := range []struct {
		in, text, xmlText, xmlAttr string
	}{
		{"plain", "plain", "plain", "plain"},
		{"  a\r\nb\rc  ", "a\nb\nc", "a\nb\nc", "a&#xA;b&#xA;c"},
		{"x<y & z>w]]>", "x<y & z>w]]>", "x&#x3C;y &#x26; z&#x3E;w]]&#x3E;", "x&#x3C;y &#x26; z&#x3E;w]]&#x3E;"},
		{"bell\x07 nul\x00 bad\xff", "bell\uFFFD nul\uFFFD bad\uFFFD", "bell\uFFFD nul\uFFFD bad\uFFFD", "bell\uFFFD nul\uFFFD bad\uFFFD"},
		{`"q"` + "\tt\nn", `"q"` + "\tt\nn", `"q"` + "\tt\nn", "&#x22;q&#x22;&#x9;t&#xA;n"},
	} {
		text := Text(tc.in)
		if text != tc.text {
			t.Errorf("Text(%q) = %q, want %q", tc.in, text, tc.text)
		}
		var b bytes.Buffer
		xmlEscape(&b, text, false)
		if b.String() != tc.xmlText {
			t.Errorf("xmlEscape(%q) = %q, want %q", text, b.String(), tc.xmlText)
		}
		b.Reset()
		xmlEscape(&b, text, true)
		if b.String() != tc.xmlAttr {
			t.Errorf("xmlEscape(%q, attr) = %q, want %q", text, b.String(), tc.xmlAttr)
		}
	}
}

// Every format writes the addresses and name of the site it is given, and
// nothing of another.
func TestSiteIsAParameter(t *testing.T) {
	feed := &Feed{
		Title: "T", Path: "/feeds/daily", Home: "/", Updated: time.Unix(0, 0).UTC(),
		Entries: []Entry{{ID: "2509.02547", Title: "P", Categories: []string{"cs.CL"}}},
	}
	for _, tc := range []struct {
		site  Site
		other string // the other site's host and name, which must not appear
	}{
		{Site{BaseURL: "https://a.example", Name: "Site A", CategoryLabels: map[string]string{"cs.CL": "Computation and Language"}}, "Site B b.example"},
		{Site{BaseURL: "http://b.example:8080", Name: "Site B"}, "Site A a.example/"},
	} {
		site := tc.site
		feed.Entries[0].Image = site.BaseURL + "/thumbnails/2509.02547.png" // the entry's, as web sets it
		for _, f := range Formats {
			body, err := Marshal(feed, f, site)
			if err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
			doc := string(body)
			if !strings.Contains(doc, site.BaseURL+"/feeds/daily."+f.Ext) || !strings.Contains(doc, site.Name) {
				t.Errorf("%s for %s lacks its own address or name:\n%s", f.Name, site.Name, doc)
			}
			name, host, _ := strings.Cut(strings.TrimPrefix(tc.other, "Site "), " ")
			if strings.Contains(doc, "Site "+name) || strings.Contains(doc, host) {
				t.Errorf("%s for %s mentions the other site (%s):\n%s", f.Name, site.Name, tc.other, doc)
			}
			labelled := strings.Contains(doc, `label="Computation and Language"`)
			if want := f.Ext == "atom" && site.CategoryLabels != nil; labelled != want {
				t.Errorf("%s for %s: category label written %v, want %v", f.Name, site.Name, labelled, want)
			}
		}
	}
	if _, err := Marshal(feed, Format{Ext: "xml"}, Site{}); err == nil {
		t.Error("Marshal wrote an unknown format")
	}
}
