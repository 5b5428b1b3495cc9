package service

import (
	"fmt"
	"strings"

	"vivipass/domain"
	"vivipass/store"
)

// Notice is a post of the bacheca with the reader's read mark (M3).
type Notice struct {
	store.Post
	Read bool
}

// Bacheca lists the notices for the actor's comune, newest first, unread marked.
func (s *Service) Bacheca(a Actor) ([]Notice, error) {
	var out []Notice
	err := s.view(func(tx *store.Tx) error {
		posts, err := tx.Posts(a.Comune)
		for _, p := range posts {
			out = append(out, Notice{p, tx.Read(a.Operator, p.Seq)})
		}
		return err
	})
	return out, err
}

// Publish posts a notice (administrators only); comune "" reaches every comune and is
// for the system administrator only.
func (s *Service) Publish(a Actor, comune, title, text string) (store.Post, error) {
	if !a.Admin() || (a.Comune != "" && comune != a.Comune) {
		return store.Post{}, ErrForbidden
	}
	title, text = strings.TrimSpace(title), strings.TrimSpace(text)
	if title == "" {
		return store.Post{}, &domain.Error{Message: "il titolo dell'avviso è obbligatorio"}
	}
	var p store.Post
	err := s.update(func(tx *store.Tx, ev *[]Event) error {
		var err error
		p, err = tx.AddPost(store.Post{At: s.now().UTC(), Author: a.Operator, Comune: comune, Title: title, Text: text})
		if err != nil {
			return err
		}
		*ev = append(*ev, AdminChanged{comune})
		return s.audit(tx, a, comune, "avviso in bacheca", "bacheca", 0, title)
	})
	return p, err
}

// Unpublish removes a notice.
func (s *Service) Unpublish(a Actor, seq uint64) error {
	if !a.Admin() {
		return ErrForbidden
	}
	return s.update(func(tx *store.Tx, ev *[]Event) error {
		posts, err := tx.Posts(a.Comune)
		if err != nil {
			return err
		}
		for _, p := range posts {
			if p.Seq == seq && (a.Comune == "" || p.Comune == a.Comune) {
				*ev = append(*ev, AdminChanged{p.Comune})
				if err := tx.DeletePost(seq); err != nil {
					return err
				}
				return s.audit(tx, a, p.Comune, "avviso rimosso", "bacheca", 0, p.Title)
			}
		}
		return fmt.Errorf("avviso %w", ErrNotFound)
	})
}

// MarkRead records that the actor read a notice.
func (s *Service) MarkRead(a Actor, seq uint64) error {
	return s.update(func(tx *store.Tx, _ *[]Event) error { return tx.MarkRead(a.Operator, seq, s.now()) })
}
