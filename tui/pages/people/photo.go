package people

import (
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"vivipass/domain"
	"vivipass/tui/components/formkit"
)

// maxPhoto is the largest photo the service accepts; reading stops one byte after it,
// so a huge file named by mistake never fills the server's memory.
const maxPhoto = 5 << 20

// photoDialog attaches or replaces the photo with a file of the comune's foto/ folder
// (A3): the operator chooses it, never types a path of the server.
func (m *Model) photoDialog(p domain.Person) *formkit.Dialog {
	name := ""
	title := "Foto di " + p.FullName()
	plain := m.ctx.Styles.Plain
	groups := func() []*huh.Group {
		what := "JPEG o PNG, al massimo 5 MB."
		if p.HasPhoto {
			what = "La foto nuova sostituisce quella presente. " + what
		}
		return []*huh.Group{huh.NewGroup(formkit.FileChoice(m.ctx, "foto", "File della foto", &name)).Description(what)}
	}
	svc, a, id, who, folder := m.ctx.Svc, m.ctx.Actor, p.ID, p.FullName(), m.ctx.Files
	submit := func() tea.Cmd {
		file := name
		return func() tea.Msg {
			if folder == nil {
				return savedMsg{err: errors.New("la cartella dei file del comune non è configurata su questo server")}
			}
			img, err := folder.Read("foto", file, maxPhoto+1)
			if err != nil {
				return savedMsg{err: err}
			}
			if err := svc.SetPhoto(a, id, img); err != nil {
				return savedMsg{err: fmt.Errorf("foto non allegata: %s", err)}
			}
			return savedMsg{notice: "Foto di " + who + " allegata (foto/" + file + ").", show: id}
		}
	}
	return formkit.NewDialog(title, plain, m.w, m.formHeight(), groups, submit)
}

// removePhotoDialog asks before removing the photo.
func (m *Model) removePhotoDialog(p domain.Person) *formkit.Dialog {
	svc, a, id, name := m.ctx.Svc, m.ctx.Actor, p.ID, p.FullName()
	return formkit.Question{Title: "Rimozione della foto",
		Ask: "Rimuovere la foto di " + name + "?", Yes: "Sì, rimuovi",
		What: "Senza foto il contrassegno si stampa senza. La rimozione resta nel registro delle modifiche.",
		Do: func() tea.Msg {
			if err := svc.SetPhoto(a, id, nil); err != nil {
				return savedMsg{err: err}
			}
			return savedMsg{notice: "Foto di " + name + " rimossa.", show: id}
		},
		No: func() tea.Msg { return savedMsg{notice: "Foto non rimossa.", show: id} },
	}.Dialog(m.ctx.Styles.Plain, m.w, m.formHeight())
}

// deceasedDialog records the death (A4, P8), saying first what it does.
func (m *Model) deceasedDialog(p domain.Person) *formkit.Dialog {
	today := m.ctx.Svc.Today()
	date := today.String()
	if !p.DataDecesso.IsZero() {
		date = p.DataDecesso.String()
	}
	yes := false
	plain := m.ctx.Styles.Plain
	desc := "Dal giorno indicato i contrassegni di " + p.FullName() + " (attivi, sospesi o scaduti) sono revocati, " +
		"le targhe chiuse (escono dalla whitelist) e la piattaforma nazionale ne è informata."
	if !p.DataDecesso.IsZero() {
		desc = "Decesso già registrato il " + p.DataDecesso.String() + ": qui si corregge la data. " + desc
	}
	groups := func() []*huh.Group {
		return []*huh.Group{huh.NewGroup(
			huh.NewInput().Key("data").Title(formkit.Pad("Data del decesso", 18)).Inline(true).
				Placeholder("gg/mm/aaaa").CharLimit(10).Value(&date).
				Validate(func(s string) error {
					d, err := domain.ParseDate(s)
					if err != nil {
						return err
					}
					if d.After(today) {
						return fmt.Errorf("la data di decesso %s è nel futuro", d)
					}
					if !p.DataNascita.IsZero() && d.Before(p.DataNascita) {
						return fmt.Errorf("la data di decesso %s precede la nascita (%s)", d, p.DataNascita)
					}
					return nil
				}),
			formkit.Confirm("Registrare il decesso e revocare i contrassegni?", "Sì, registra", &yes).Key("ok"),
		).Title("Che cosa succede").Description(desc)}
	}
	svc, a, id, name := m.ctx.Svc, m.ctx.Actor, p.ID, p.FullName()
	submit := func() tea.Cmd {
		if !yes {
			return func() tea.Msg { return savedMsg{notice: "Decesso non registrato.", show: id} }
		}
		d, err := domain.ParseDate(date)
		if err != nil {
			return func() tea.Msg { return savedMsg{err: err} }
		}
		return func() tea.Msg {
			changed, err := svc.MarkDeceased(a, id, d)
			if err != nil {
				return savedMsg{err: err}
			}
			what := fmt.Sprintf("Decesso di %s registrato il %s: ", name, d)
			switch len(changed) {
			case 0:
				what += "nessun contrassegno attivo da revocare."
			case 1:
				what += "contrassegno " + changed[0].Number + " revocato, targhe chiuse."
			default:
				what += fmt.Sprintf("%d contrassegni revocati, targhe chiuse.", len(changed))
			}
			return savedMsg{notice: what, show: id}
		}
	}
	return formkit.NewDialog("Decesso di "+p.FullName(), plain, m.w, m.formHeight(), groups, submit)
}
