package web

import "github.com/dailypapers/dailypapers/internal/recommend"

// ForYouTrainer is the site's For-you service, through which the digest
// run of the same process asks for the reader models it finds missing or
// stale (recommend.Digest.TrainWith); nil when the site runs without the
// search index, and so without For you.
func (s *Server) ForYouTrainer() recommend.Trainer {
	if s.recs == nil {
		return nil
	}
	return s.recs
}
