package common

import (
	"reflect"

	tea "charm.land/bubbletea/v2"
)

var cmdType = reflect.TypeOf(tea.Cmd(nil))

// MapCmd returns a command that runs cmd and hands back f(msg) for its message. A
// Batch or a Sequence (tea.Sequence's message type is unexported: it is known by its
// shape, a slice of commands) comes back as the same kind of group, each of its
// commands mapped in turn, so they still run concurrently, or in order. drop, when not
// nil, leaves a command out before it runs (at any depth).
//
// The root addresses the messages of a page's commands with it; the form kit keeps the
// cursor blink out of the program with it.
func MapCmd(cmd tea.Cmd, drop func(tea.Cmd) bool, f func(tea.Msg) tea.Msg) tea.Cmd {
	if cmd == nil || (drop != nil && drop(cmd)) {
		return nil
	}
	return func() tea.Msg {
		msg := cmd()
		if msg == nil {
			return nil
		}
		v := reflect.ValueOf(msg)
		if v.Kind() != reflect.Slice || v.Type().Elem() != cmdType {
			return f(msg)
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			c, _ := v.Index(i).Interface().(tea.Cmd)
			if mc := MapCmd(c, drop, f); mc != nil {
				out.Index(i).Set(reflect.ValueOf(mc))
			}
		}
		return out.Interface()
	}
}
