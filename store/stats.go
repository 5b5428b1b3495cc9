package store

// IndexKeys counts the keys of every index (issue 14.2: keys per pass), and the pass
// versions.
func (t *Tx) IndexKeys() (keys map[string]int, passes int) {
	keys = map[string]int{}
	for _, n := range append(liveIndexNames(), pecIndexNames...) {
		if b := t.index(n); b.Bucket != nil {
			keys[n] = b.Stats().KeyN
		}
	}
	return keys, t.bucket("passes").Stats().KeyN
}
