package inbox

import (
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"vivipass/files"
	"vivipass/pec/parse"
	"vivipass/tui/common"
)

// Attachments (V3, V4) go into the comune's allegati/ folder with one key, each under
// the safe name the parser gave it (never the name the sender wrote), made safe again
// by the folder, and never over an existing file (the folder adds -1, -2…). The
// operator reads them from the counter PC over SFTP. The request's photo becomes the
// holder's photo with one key.

// saveAttachments writes every attachment of the item into allegati/.
func (m *Detail) saveAttachments() tea.Cmd {
	svc, a, id, folder := m.ctx.Svc, m.ctx.Actor, m.id, m.ctx.Files
	if len(m.d.Parsed.Attachments) == 0 {
		return common.Notice("Il messaggio non ha allegati.")
	}
	return func() tea.Msg {
		if folder == nil {
			return doneMsg{err: errors.New("la cartella dei file del comune non è configurata su questo server")}
		}
		all, err := svc.PECAttachments(a, id)
		if err != nil {
			return doneMsg{err: err}
		}
		var saved []string
		for i, f := range all {
			name, err := folder.Create("allegati", attachmentName(f.SafeName, i), f.Data)
			if err != nil {
				if len(saved) == 0 {
					return doneMsg{err: err}
				}
				return doneMsg{notice: fmt.Sprintf("Salvati in allegati/: %s; poi: %s", strings.Join(shortNames(saved), ", "), common.ErrorText(err)), error: true}
			}
			saved = append(saved, name)
		}
		return doneMsg{notice: fmt.Sprintf("Salvati in allegati/: %s.", strings.Join(shortNames(saved), ", "))}
	}
}

// usePhoto makes the request's photo (FOTOTESSERA) the photo of the linked person (A3).
func (m *Detail) usePhoto() tea.Cmd {
	if !m.isRequest() {
		return common.Notice("Solo una richiesta porta la foto del titolare.")
	}
	if m.d.Person == nil {
		return common.Notice("La richiesta non è collegata a una persona: l per collegarla.")
	}
	idx := -1
	for i, at := range m.d.Parsed.Attachments {
		if at.Type == parse.AttachPhoto {
			idx = i
			break
		}
	}
	if idx < 0 {
		return common.Notice("La richiesta non ha una foto allegata.")
	}
	svc, a, id, person, who := m.ctx.Svc, m.ctx.Actor, m.id, m.d.Person.ID, m.d.Person.FullName()
	return func() tea.Msg {
		all, err := svc.PECAttachments(a, id)
		if err != nil {
			return doneMsg{err: err}
		}
		if idx >= len(all) {
			return doneMsg{err: errors.New("la foto della richiesta non è più leggibile")}
		}
		if err := svc.SetPhoto(a, person, all[idx].Data); err != nil {
			return doneMsg{err: fmt.Errorf("foto non allegata: %s", err)}
		}
		return doneMsg{notice: "La foto della richiesta è ora la foto di " + who + "."}
	}
}

// attachmentName is the name an attachment is saved under: the parser's safe name,
// checked again by the folder, else a neutral one.
func attachmentName(name string, i int) string {
	if s := files.SafeName(name); s != "" && s == name {
		return s
	}
	return fmt.Sprintf("allegato-%d", i+1)
}

// shortNames cuts long names for the messages (a name of 100 characters does not
// wrap).
func shortNames(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = common.Truncate(n, 40)
	}
	return out
}
