package store

// ReleaseMapped gives back the pages of the file this process has read through
// bbolt's map (see releaseMapped): a big import calls it on its copy after each chunk
// it writes (issue 14.3), whose pages would otherwise stay in its memory to the end
// (~40 MB of a 480,000-pass copy). A read transaction holds the map meanwhile.
func (db *DB) ReleaseMapped() {
	db.View(func(t *Tx) error {
		t.releaseMapped()
		return nil
	})
}
