package main

import (
	"github.com/dailypapers/dailypapers/internal/demo"
	"github.com/dailypapers/dailypapers/internal/digest"
	"github.com/dailypapers/dailypapers/internal/ingest"
	"github.com/dailypapers/dailypapers/internal/search"
	"github.com/dailypapers/dailypapers/internal/store"
	"github.com/dailypapers/dailypapers/internal/store/postgres"
	"github.com/dailypapers/dailypapers/internal/store/sqlite"
)

// consumers holds every interface that a consumer of the store declares
// with the few methods it uses; main hands each the whole store.
type consumers interface {
	search.Store
	digest.Store
	digest.FeedSource
	ingest.HarvestStore
	ingest.StarStore
	demo.Store
}

// These fail to build, in go test and go vet, when store.Store or a
// backend stops satisfying one of them, rather than at the first command
// that wires it.
var (
	_ consumers = store.Store(nil)
	_ consumers = (*sqlite.Store)(nil)
	_ consumers = (*postgres.Store)(nil)
)
