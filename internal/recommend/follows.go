package recommend

import "strings"

// followCategory adds a followed category to cats at weight 1. An
// archive ("cs", as the follow buttons of issue 18 allow) stands for
// its categories among those the features have seen, sharing the one
// weight: following all of cs says less about a paper in cs.CL than
// following cs.CL does, and its many categories must not outweigh the
// reader's liked papers in the category prior (catLift).
func (s *Service) followCategory(cats map[int32]float64, name string) {
	if strings.Contains(name, ".") {
		cats[s.feats.Cats.ID(name)] = max(cats[s.feats.Cats.ID(name)], 1)
		return
	}
	in := archiveCats(s.feats.Cats, name)
	if len(in) == 0 {
		cats[s.feats.Cats.ID(name)] = max(cats[s.feats.Cats.ID(name)], 1)
		return
	}
	for _, c := range in {
		cats[c] = max(cats[c], 1/float64(len(in)))
	}
}

// archiveCats are the numbered categories of an archive: "cs.CL" and
// "cs.LG" for "cs". An archive of one category ("hep-th") is itself.
func archiveCats(v *Vocab, archive string) []int32 {
	var out []int32
	for id := range int32(v.Len()) {
		if n := v.Name(id); n == archive || strings.HasPrefix(n, archive+".") {
			out = append(out, id)
		}
	}
	return out
}
