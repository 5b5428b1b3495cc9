package store

import "time"

// Post is a notice of the bacheca informativa (M3), for one comune or for all ("").
type Post struct {
	Seq    uint64    `json:"seq"`
	At     time.Time `json:"at"`
	Author string    `json:"author"`
	Comune string    `json:"comune,omitempty"`
	Title  string    `json:"title"`
	Text   string    `json:"text"`
}

// AddPost publishes a notice.
func (t *Tx) AddPost(p Post) (Post, error) {
	seq, err := t.bucket("bacheca").NextSequence()
	if err != nil {
		return p, err
	}
	p.Seq = seq
	return p, put(t, "bacheca", u64(seq), p)
}

// DeletePost removes a notice.
func (t *Tx) DeletePost(seq uint64) error { return t.bucket("bacheca").Delete(u64(seq)) }

// Posts lists the notices for comune (its own and those for all), newest first.
func (t *Tx) Posts(comune string) ([]Post, error) {
	var out []Post
	err := forEach(t, "bacheca", func(p Post) bool {
		if p.Comune == "" || comune == "" || p.Comune == comune {
			out = append([]Post{p}, out...)
		}
		return true
	})
	return out, err
}

// MarkRead records that operator read a notice.
func (t *Tx) MarkRead(operator string, seq uint64, at time.Time) error {
	return t.bucket("letti").Put(append(prefixKey(operator), u64(seq)...), []byte(at.UTC().Format(time.RFC3339)))
}

// Read reports whether operator read a notice.
func (t *Tx) Read(operator string, seq uint64) bool {
	return t.bucket("letti").Get(append(prefixKey(operator), u64(seq)...)) != nil
}
