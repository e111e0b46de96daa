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

// Each consumer of the store declares the few methods it uses; main hands
// them the whole store. These lines fail to build, in go test and go vet,
// when store.Store or a backend stops satisfying one of them, rather than
// at the first command that wires it.
var (
	_ search.Store = store.Store(nil)
	_ search.Store = (*sqlite.Store)(nil)
	_ search.Store = (*postgres.Store)(nil)

	_ digest.Store = store.Store(nil)
	_ digest.Store = (*sqlite.Store)(nil)
	_ digest.Store = (*postgres.Store)(nil)

	_ digest.FeedSource = store.Store(nil)
	_ digest.FeedSource = (*sqlite.Store)(nil)
	_ digest.FeedSource = (*postgres.Store)(nil)

	_ ingest.HarvestStore = store.Store(nil)
	_ ingest.HarvestStore = (*sqlite.Store)(nil)
	_ ingest.HarvestStore = (*postgres.Store)(nil)

	_ ingest.StarStore = store.Store(nil)
	_ ingest.StarStore = (*sqlite.Store)(nil)
	_ ingest.StarStore = (*postgres.Store)(nil)

	_ demo.Store = store.Store(nil)
	_ demo.Store = (*sqlite.Store)(nil)
	_ demo.Store = (*postgres.Store)(nil)
)
