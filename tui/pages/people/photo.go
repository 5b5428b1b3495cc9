package people

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"vivipass/domain"
	"vivipass/tui/components/formkit"
)

// maxPhoto is the largest photo the service accepts; reading stops one byte after it,
// so a huge file (or a device) named by mistake never fills the server's memory.
const maxPhoto = 5 << 20

// readPhoto reads the file an operator named on the server (A3). The name is used only
// to open that file: its extension says nothing (the service decodes the content), and
// only a regular file is read, so a FIFO or a device cannot block the session.
func readPhoto(path string) ([]byte, error) {
	path = strings.TrimSpace(path)
	if path == "" {
		return nil, errors.New("indicare il percorso del file della foto sul server")
	}
	if !filepath.IsAbs(path) {
		return nil, fmt.Errorf("%q non è un percorso completo: indicarlo dalla radice, es. /srv/foto/rossi.jpg", path)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, openError(path, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s è una cartella: indicare il file della foto", path)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s non è un file normale: indicare il file della foto", path)
	}
	if st.Size() > maxPhoto {
		return nil, fmt.Errorf("il file %s è di %.1f MB: la foto può essere al massimo di 5 MB", path, float64(st.Size())/(1<<20))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, openError(path, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s non è un file normale: indicare il file della foto", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxPhoto+1))
	if err != nil {
		return nil, fmt.Errorf("lettura di %s non riuscita: %v", path, err)
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("il file %s è vuoto", path)
	}
	return data, nil // over 5 MB after all (it grew): the service refuses it
}

func openError(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("il file %s non esiste sul server", path)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("il file %s non è leggibile: il server non ha il permesso di aprirlo", path)
	}
	return fmt.Errorf("il file %s non si apre: %v", path, err)
}

// photoDialog attaches or replaces the photo from a file on the server.
func (m *Model) photoDialog(p domain.Person) *formkit.Dialog {
	path := ""
	title := "Foto di " + p.FullName()
	desc := "JPEG o PNG, al massimo 5 MB. Il file si legge sul server di vivipass, non sul computer dello sportello."
	if p.HasPhoto {
		desc = "La foto nuova sostituisce quella presente. " + desc
	}
	plain := m.ctx.Styles.Plain
	groups := func() []*huh.Group {
		return []*huh.Group{huh.NewGroup(
			huh.NewInput().Key("path").Title("Percorso del file sul server").Description(desc).
				Placeholder("/percorso/della/foto.jpg").CharLimit(4096).Value(&path).
				Validate(func(s string) error {
					if strings.TrimSpace(s) == "" {
						return errors.New("indicare il percorso del file della foto")
					}
					if !filepath.IsAbs(strings.TrimSpace(s)) {
						return errors.New("indicare il percorso completo, dalla radice (es. /srv/foto/rossi.jpg)")
					}
					return nil
				}),
		)}
	}
	svc, a, id, name := m.ctx.Svc, m.ctx.Actor, p.ID, p.FullName()
	submit := func() tea.Cmd {
		file := path
		return func() tea.Msg {
			img, err := readPhoto(file)
			if err != nil {
				return savedMsg{err: err}
			}
			if err := svc.SetPhoto(a, id, img); err != nil {
				return savedMsg{err: fmt.Errorf("foto non allegata: %s", err)}
			}
			return savedMsg{notice: "Foto di " + name + " allegata.", show: id}
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
