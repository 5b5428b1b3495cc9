// Package inbox is the Richieste PEC section: the PEC inbox of the operator's comune
// (the viviVeneto requests, and the receipts, anomalies, other messages and quarantine
// kept beside them), the detail of one item with its attachments, links to the
// register, "crea pratica" and the request's end state (V1–V6, P11, T4).
package inbox

import (
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"vivipass/tui/common"
)

// Model is the list page.
type Model struct {
	ctx  *common.Context
	w, h int
}

// New makes the page.
func New(ctx *common.Context) *Model { return &Model{ctx: ctx} }

func (m *Model) Title() string                         { return "Richieste PEC" }
func (m *Model) Capturing() bool                       { return false }
func (m *Model) ShortHelp() []key.Binding              { return nil }
func (m *Model) FullHelp() [][]key.Binding             { return nil }
func (m *Model) SetSize(w, h int)                      { m.w, m.h = w, h }
func (m *Model) Init() tea.Cmd                         { return nil }
func (m *Model) Update(tea.Msg) (common.Page, tea.Cmd) { return m, nil }
func (m *Model) View() string                          { return "Richieste PEC" }

// when is an instant as the inbox shows it.
func when(t time.Time) string { return common.When(t) }
