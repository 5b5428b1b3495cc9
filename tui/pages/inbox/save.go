package inbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"vivipass/tui/common"
	"vivipass/tui/components/formkit"
)

// Saving attachments (V4): into a directory of the server the operator types, each
// file under the safe name the parser gave it (never the name the sender wrote), and
// never over an existing file: that one is left as it is and the operator is told.

// Choices of the save dialog besides one attachment (its index).
const (
	saveAll = -1 // every attachment
	saveRaw = -2 // the message as fetched (.eml)
)

// namedFile is a file to write.
type namedFile struct {
	name string
	data []byte
}

// saveDialog asks for the directory and what to save.
func (m *Detail) saveDialog() *formkit.Dialog {
	atts := m.d.Parsed.Attachments
	raw := fmt.Sprintf("messaggio-pec-%d.eml", m.id)
	var opts []huh.Option[int]
	which := saveRaw
	if len(atts) > 1 {
		opts = append(opts, huh.NewOption(fmt.Sprintf("tutti gli allegati (%d)", len(atts)), saveAll))
		which = saveAll
	}
	for i, a := range atts {
		opts = append(opts, huh.NewOption(fmt.Sprintf("%s (%s, %s)", safeName(a.SafeName, i), a.Type.Label(), size(int64(len(a.Data)))), i))
	}
	if len(atts) == 1 {
		which = 0
	}
	opts = append(opts, huh.NewOption("il messaggio completo ("+raw+")", saveRaw))
	dir := ""
	groups := func() []*huh.Group {
		return []*huh.Group{huh.NewGroup(
			huh.NewInput().Title("Cartella sul server").
				Description("la cartella esiste già; i file prendono il nome sicuro mostrato, un file già presente non è sovrascritto").
				Placeholder("/srv/vivipass/allegati").CharLimit(4096).Value(&dir).Validate(checkDir),
			huh.NewSelect[int]().Title("Cosa salvare").Options(opts...).Value(&which),
		)}
	}
	svc, a, id := m.ctx.Svc, m.ctx.Actor, m.id
	submit := func() tea.Cmd {
		d, w := filepath.Clean(strings.TrimSpace(dir)), which
		return func() tea.Msg {
			var files []namedFile
			if w == saveRaw {
				b, err := svc.PECRaw(a, id)
				if err != nil {
					return doneMsg{err: err}
				}
				files = append(files, namedFile{raw, b})
			} else {
				all, err := svc.PECAttachments(a, id)
				if err != nil {
					return doneMsg{err: err}
				}
				for i, f := range all {
					if w == saveAll || w == i {
						files = append(files, namedFile{safeName(f.SafeName, i), f.Data})
					}
				}
			}
			written, existing, err := saveFiles(d, files)
			return savedNotice(d, written, existing, err)
		}
	}
	return formkit.NewDialog("Salva allegati", m.ctx.Styles.Plain, m.w, m.dialogHeight(), groups, submit)
}

// checkDir checks the directory as typed: a full path.
func checkDir(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return errors.New("indicare la cartella del server in cui salvare")
	}
	if !filepath.IsAbs(s) {
		return fmt.Errorf("%q non è un percorso completo: indicarlo dalla radice, es. /srv/vivipass/allegati", s)
	}
	return nil
}

// safeName is the name a file is written under: the parser's safe name, checked again
// (a base name, no separators, nothing hidden), else a neutral one.
func safeName(name string, i int) string {
	if name == "" || name == "." || name == ".." || strings.HasPrefix(name, ".") ||
		strings.ContainsAny(name, "/\\\x00") || filepath.Base(name) != name {
		return fmt.Sprintf("allegato-%d", i+1)
	}
	return name
}

// saveFiles writes files into dir, each only if no file of that name is there: written
// and existing name them; err is what stopped it.
func saveFiles(dir string, files []namedFile) (written, existing []string, err error) {
	if err := checkDir(dir); err != nil {
		return nil, nil, err
	}
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil, fmt.Errorf("la cartella %s non esiste sul server", dir)
	case err != nil:
		return nil, nil, fmt.Errorf("la cartella %s non è accessibile: %v", dir, errors.Unwrap(err))
	case !st.IsDir():
		return nil, nil, fmt.Errorf("%s non è una cartella", dir)
	}
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		// O_EXCL: never over an existing file, nor through a link left there.
		fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
		if errors.Is(err, fs.ErrExist) {
			existing = append(existing, f.name)
			continue
		}
		if err != nil {
			return written, existing, fmt.Errorf("%s non si può scrivere: %v", path, errors.Unwrap(err))
		}
		_, werr := fh.Write(f.data)
		if cerr := fh.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			os.Remove(path)
			return written, existing, fmt.Errorf("scrittura di %s non riuscita: %v", path, werr)
		}
		written = append(written, f.name)
	}
	return written, existing, nil
}

// savedNotice says what was saved: nothing written is a refusal (the form stays).
func savedNotice(dir string, written, existing []string, err error) doneMsg {
	written, existing = shortNames(written), shortNames(existing)
	kept := ""
	if len(existing) > 0 {
		kept = fmt.Sprintf("già presente in %s, non sovrascritto: %s", dir, strings.Join(existing, ", "))
		if len(existing) > 1 {
			kept = fmt.Sprintf("già presenti in %s, non sovrascritti: %s", dir, strings.Join(existing, ", "))
		}
	}
	if len(written) == 0 {
		switch {
		case err != nil:
			return doneMsg{err: err}
		case kept != "":
			return doneMsg{err: errors.New(kept + " (scegliere un'altra cartella, o spostare il file)")}
		}
		return doneMsg{err: errors.New("nessun file da salvare")}
	}
	text := fmt.Sprintf("Salvato in %s: %s", dir, strings.Join(written, ", "))
	if kept != "" {
		text += "; " + kept
	}
	if err != nil {
		text += "; " + err.Error()
	}
	return doneMsg{notice: text + ".", error: kept != "" || err != nil}
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
