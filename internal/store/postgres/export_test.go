package postgres

// SetFullQueueSync commits the mail queue's steps with synchronous_commit on.
func (s *Store) SetFullQueueSync(full bool) { s.fullQueueSync = full }
