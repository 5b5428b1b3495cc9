package admin

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"vivipass/service"
	"vivipass/tui/common"
	"vivipass/tui/components/formkit"
)

// maxImport bounds what a file named by mistake (a disk image, a device) may take in
// memory; a region's register is a few tens of MB.
const maxImport = 512 << 20

type importStage int

const (
	stagePath      importStage = iota // typing the path
	stageChecking                     // dry run under way
	stageChecked                      // report of the check, waiting for "importa"
	stageImporting                    // writing, progress bar
	stageDone                         // final report
)

// ImportKeys are the keys of Import massivi.
type ImportKeys struct {
	Check, Import, Again, Up, Down, PgUp, PgDown key.Binding
}

// NewImportKeys is the default.
func NewImportKeys() ImportKeys {
	return ImportKeys{
		Check:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("invio", "controlla il file")),
		Import: key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "importa")),
		Again:  key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "altro file")),
		Up:     key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "scorri")),
		Down:   key.NewBinding(key.WithKeys("down")),
		PgUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pag↑/↓", "pagina")),
		PgDown: key.NewBinding(key.WithKeys("pgdown")),
	}
}

// importView is Import massivi (M1): the path of a CSV on the server, a check of every
// row first (nothing written), the errors by row and column in a scrollable report,
// then the import with a progress bar fed by the service's progress callback.
type importView struct {
	ctx    *common.Context
	keys   ImportKeys
	stage  importStage
	path   textinput.Model
	seq    int
	file   string
	data   []byte // the checked content: the import writes what the report describes
	rep    service.ImportReport
	failed string // the file itself was refused (unreadable, not a CSV, header…)
	vp     viewport.Model
	bar    progress.Model
	job    *importJob
	// Progress and outcome, copied from the job in Update.
	done, total int
	result      service.ImportReport
	resultErr   error
	w, h        int
}

func newImport(ctx *common.Context) *importView {
	ti := formkit.TextInput("File CSV sul server: ", "/percorso/del/registro.csv", 4096)
	bar := progress.New(progress.WithFillCharacters('█', '░'), progress.WithColors(lipgloss.Blue))
	if ctx.Styles.Plain {
		bar.FullColor, bar.EmptyColor = lipgloss.NoColor{}, lipgloss.NoColor{}
	}
	v := &importView{ctx: ctx, keys: NewImportKeys(), path: ti, bar: bar,
		vp: viewport.New(viewport.WithWidth(80), viewport.WithHeight(10))}
	v.path.Focus()
	return v
}

// importJob is an import running in its own goroutine. Its state lives here, behind
// a lock, and the session is only woken up (a channel of one slot: wake-ups coalesce,
// and the import never waits for a slow session). A wake-up that reaches another
// section is not lost for good: the page reads the job again when it is shown.
type importJob struct {
	mu          sync.Mutex
	done, total int
	finished    bool
	rep         service.ImportReport
	err         error
	wake        chan struct{}
}

type importWakeMsg struct{ job *importJob }

func (j *importJob) progress(done, total int) {
	j.mu.Lock()
	j.done, j.total = done, total
	j.mu.Unlock()
	select {
	case j.wake <- struct{}{}:
	default: // a wake-up is already pending: it will read the latest numbers
	}
}

func (j *importJob) finish(rep service.ImportReport, err error) {
	j.mu.Lock()
	j.finished, j.rep, j.err = true, rep, err
	j.mu.Unlock()
	close(j.wake) // every waiter returns, now and later
}

func (j *importJob) wait() tea.Cmd {
	return func() tea.Msg {
		<-j.wake
		return importWakeMsg{j}
	}
}

type checkedMsg struct {
	seq  int
	file string
	data []byte
	rep  service.ImportReport
	err  error
}

func (v *importView) init() tea.Cmd {
	if v.job != nil && v.stage == stageImporting {
		return tea.Batch(v.job.wait(), func() tea.Msg { return importWakeMsg{v.job} })
	}
	return nil
}

func (v *importView) capturing() bool { return v.stage == stagePath }
func (v *importView) busy() bool      { return v.stage == stageChecking || v.stage == stageImporting }

func (v *importView) help() []key.Binding {
	k := v.keys
	switch v.stage {
	case stagePath:
		return []key.Binding{k.Check}
	case stageChecked:
		imp := k.Import
		if n := v.rep.Valid - v.rep.Skipped; n == 0 {
			return []key.Binding{k.Again, k.Up, k.PgUp}
		} else if len(v.rep.Errors) > 0 {
			imp.SetHelp("i", "importa solo le righe valide")
		}
		return []key.Binding{imp, k.Again, k.Up, k.PgUp}
	case stageDone:
		return []key.Binding{k.Again, k.Up, k.PgUp}
	}
	return nil
}

func (v *importView) setSize(w, h int) {
	v.w, v.h = w, h
	v.path.SetWidth(max(10, w-len([]rune(v.path.Prompt))-2))
	v.bar.SetWidth(max(20, min(60, w-2)))
	v.vp.SetWidth(w)
	v.vp.SetHeight(max(3, h-7))
	v.fillReport()
}

func (v *importView) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case checkedMsg:
		if msg.seq != v.seq || v.stage != stageChecking {
			return nil
		}
		v.file, v.data, v.rep, v.failed = msg.file, msg.data, msg.rep, ""
		if msg.err != nil {
			v.failed, v.data = common.ErrorText(msg.err), nil
		}
		v.stage = stageChecked
		v.fillReport()
		v.vp.GotoTop()
		return nil
	case importWakeMsg:
		if msg.job != v.job {
			return nil
		}
		j := msg.job
		j.mu.Lock()
		v.done, v.total = j.done, j.total
		finished, rep, err := j.finished, j.rep, j.err
		j.mu.Unlock()
		if !finished {
			return j.wait()
		}
		if v.stage == stageImporting {
			v.stage, v.result, v.resultErr, v.data = stageDone, rep, err, nil
			v.fillReport()
			v.vp.GotoTop()
			return common.Notice(v.outcome())
		}
		return nil
	case tea.KeyPressMsg:
		return v.key(msg)
	}
	if v.stage == stagePath {
		var cmd tea.Cmd
		v.path, cmd = v.path.Update(msg) // a pasted path
		return cmd
	}
	return nil
}

func (v *importView) key(msg tea.KeyPressMsg) tea.Cmd {
	k := v.keys
	switch v.stage {
	case stagePath:
		if key.Matches(msg, k.Check) {
			return v.check()
		}
		var cmd tea.Cmd
		v.path, cmd = v.path.Update(msg)
		return cmd
	case stageChecked, stageDone:
		switch {
		case key.Matches(msg, k.Up):
			v.vp.ScrollUp(1)
		case key.Matches(msg, k.Down):
			v.vp.ScrollDown(1)
		case key.Matches(msg, k.PgUp):
			v.vp.PageUp()
		case key.Matches(msg, k.PgDown):
			v.vp.PageDown()
		case key.Matches(msg, k.Again):
			v.stage, v.data, v.failed = stagePath, nil, ""
			return v.path.Focus()
		case key.Matches(msg, k.Import) && v.stage == stageChecked:
			return v.start()
		}
	}
	return nil
}

// check reads the file and runs the import as a dry run: every row checked against the
// file and the register, nothing written.
func (v *importView) check() tea.Cmd {
	path := strings.TrimSpace(v.path.Value())
	if path == "" {
		return common.Notice("Indicare il percorso del file CSV sul server.")
	}
	v.seq++
	v.stage = stageChecking
	v.path.Blur()
	seq, svc, a := v.seq, v.ctx.Svc, v.ctx.Actor
	return func() tea.Msg {
		data, err := readCSV(path)
		if err != nil {
			return checkedMsg{seq: seq, file: path, err: err}
		}
		rep, err := svc.Import(a, service.ImportRequest{FileName: path, Data: data, DryRun: true}, nil)
		return checkedMsg{seq, path, data, rep, err}
	}
}

// start imports the checked content: every valid row, or (with errors) only the valid
// rows, as the operator was told.
func (v *importView) start() tea.Cmd {
	if v.failed != "" || v.data == nil {
		return common.Notice("Il file non si può importare: scegliere un altro file (n).")
	}
	if v.rep.Valid-v.rep.Skipped == 0 {
		return common.Notice("Nessuna riga da importare.")
	}
	j := &importJob{wake: make(chan struct{}, 1), total: v.rep.Valid - v.rep.Skipped}
	v.job, v.stage, v.done, v.total = j, stageImporting, 0, j.total
	svc, a := v.ctx.Svc, v.ctx.Actor
	req := service.ImportRequest{FileName: v.file, Data: v.data, ValidOnly: len(v.rep.Errors) > 0}
	go func() {
		rep, err := svc.Import(a, req, j.progress)
		j.finish(rep, err)
	}()
	return j.wait()
}

// readCSV reads a register file named on the server: a regular file only (a FIFO or a
// device would block the session), of a sane size.
func readCSV(path string) ([]byte, error) {
	if !filepath.IsAbs(path) {
		return nil, fmt.Errorf("%q non è un percorso completo: indicarlo dalla radice, es. /srv/import/registro.csv", path)
	}
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("il file %s non esiste sul server", path)
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("il file %s non è leggibile: il server non ha il permesso di aprirlo", path)
	case err != nil:
		return nil, fmt.Errorf("il file %s non si apre: %v", path, err)
	case st.IsDir():
		return nil, fmt.Errorf("%s è una cartella: indicare il file CSV", path)
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("%s non è un file normale: indicare il file CSV", path)
	case st.Size() > maxImport:
		return nil, fmt.Errorf("il file %s è di %d MB: troppo grande per un registro (al massimo %d MB)", path, st.Size()>>20, maxImport>>20)
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return nil, fmt.Errorf("il file %s non è leggibile: il server non ha il permesso di aprirlo", path)
		}
		return nil, fmt.Errorf("il file %s non si apre: %v", path, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s non è un file normale: indicare il file CSV", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxImport))
	if err != nil {
		return nil, fmt.Errorf("lettura di %s non riuscita: %v", path, err)
	}
	return data, nil
}

// rowsWithErrors counts the rows an error list names (several errors may share a row).
func rowsWithErrors(es []service.ImportError) int {
	rows := map[int]bool{}
	for _, e := range es {
		rows[e.Row] = true
	}
	return len(rows)
}

// fillReport puts the errors and warnings of the check (or of the import) in the
// viewport, one per row and column, messages wrapped under their column.
func (v *importView) fillReport() {
	rep := v.rep
	if v.stage == stageDone {
		rep = v.result
	}
	st := v.ctx.Styles
	msgW := max(20, v.w-2-6-1-22-1)
	var lines []string
	section := func(title string, es []service.ImportError) {
		if len(es) == 0 {
			return
		}
		es = append([]service.ImportError(nil), es...)
		sort.SliceStable(es, func(i, j int) bool { return es[i].Row < es[j].Row })
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, st.Label.Render(title), st.Header.Render(fmt.Sprintf("%6s %-22s %s", "Riga", "Colonna", "Problema")))
		for _, e := range es {
			row, col := fmt.Sprint(e.Row), e.Column
			if e.Row == 0 {
				row = "file"
			}
			if col == "" {
				col = "(tutta la riga)"
			}
			for i, l := range formkit.Wrap(e.Message, msgW) {
				if i == 0 {
					lines = append(lines, fmt.Sprintf("%6s %-22s %s", row, common.Truncate(col, 22), l))
				} else {
					lines = append(lines, fmt.Sprintf("%6s %-22s %s", "", "", l))
				}
			}
		}
	}
	section(fmt.Sprintf("Errori (%d, in %s): queste righe non si importano", len(rep.Errors), plural(rowsWithErrors(rep.Errors), "riga", "righe")), rep.Errors)
	section(fmt.Sprintf("Avvisi (%d): non impediscono l'import", len(rep.Warnings)), rep.Warnings)
	if len(lines) == 0 {
		lines = []string{st.Muted.Render("Nessun errore e nessun avviso.")}
	}
	v.vp.SetContentLines(lines)
}

// outcome is the final report in one sentence.
func (v *importView) outcome() string {
	if v.resultErr != nil {
		return "Import non riuscito, nessuna riga scritta: " + common.ErrorText(v.resultErr)
	}
	r := v.result
	s := fmt.Sprintf("Import completato: %s, %d già nel registro", plural(r.Imported, "contrassegno importato", "contrassegni importati"), r.Skipped)
	if n := rowsWithErrors(r.Errors); n > 0 {
		s += ", " + plural(n, "riga con errori lasciata fuori", "righe con errori lasciate fuori")
	}
	return s + "."
}

func (v *importView) view() string {
	st := v.ctx.Styles
	var b strings.Builder
	switch v.stage {
	case stagePath:
		b.WriteString("\nIl file si legge sul server di vivipass (non sul computer dello sportello): CSV\n" +
			"del modello di import, separato da ; o da virgola. Prima si controlla ogni riga,\n" +
			"senza scrivere nulla; poi si decide se importare.\n\n")
		b.WriteString(v.path.View())
		return b.String()
	case stageChecking:
		return "\n" + common.Truncate("Controllo di "+strings.TrimSpace(v.path.Value())+" in corso: ogni riga, sul file e sul registro…", v.w)
	case stageImporting:
		pct := 0.0
		if v.total > 0 {
			pct = float64(v.done) / float64(v.total)
		}
		return "\n" + common.Truncate("Import di "+filepath.Base(v.file)+" in corso (le altre modifiche attendono la fine).", v.w) +
			"\n\n" + v.bar.ViewAs(pct) + "\n" + fmt.Sprintf("%d di %d righe scritte", v.done, v.total)
	}
	b.WriteString(st.Label.Render("File    ") + common.Truncate(v.file, v.w-8) + "\n")
	if v.failed != "" {
		b.WriteString("\n" + st.Error.Render("Il file non si importa: "))
		for i, l := range formkit.Wrap(v.failed, max(20, v.w-2)) {
			if i > 0 {
				b.WriteString("\n")
			}
			b.WriteString(l)
		}
		b.WriteString("\n\n" + st.Muted.Render("Nessuna riga è stata scritta. n per scegliere un altro file."))
		return b.String()
	}
	if v.stage == stageDone {
		if v.resultErr != nil {
			b.WriteString(st.Error.Render("Import non riuscito: ") + common.Truncate(common.ErrorText(v.resultErr), v.w-20) + "\n")
			b.WriteString("Il registro è com'era prima: nessuna riga è stata scritta.\n")
		} else {
			for _, l := range formkit.Wrap(v.outcome(), v.w) {
				b.WriteString(st.OK.Render(l) + "\n")
			}
			b.WriteString(st.Muted.Render("Le righe importate non si duplicano: il file corretto, importato di nuovo,") + "\n")
			b.WriteString(st.Muted.Render("aggiunge solo quelle che mancano.") + "\n")
		}
		b.WriteString("\n" + v.vp.View())
		return b.String()
	}
	r := v.rep
	enc := r.Encoding
	if r.Separator != "" {
		enc += ", separatore " + r.Separator
	}
	b.WriteString(st.Label.Render("Formato ") + enc + "\n")
	b.WriteString(fmt.Sprintf("Righe %d · valide %d (già nel registro %d) · con errori %d · avvisi %d\n",
		r.Rows, r.Valid, r.Skipped, rowsWithErrors(r.Errors), len(r.Warnings)))
	todo := r.Valid - r.Skipped
	switch {
	case todo == 0 && r.Valid == 0:
		b.WriteString(st.Warning.Render("Nessuna riga valida: correggere il file e controllarlo di nuovo (n)."))
	case todo == 0:
		b.WriteString(st.Muted.Render("Le righe valide sono già tutte nel registro: non c'è nulla da importare."))
	case len(r.Errors) > 0:
		what := plural(todo, "riga valida", "righe valide")
		if todo > 1 {
			what = "le " + what
		} else {
			what = "la " + what[2:]
		}
		b.WriteString(st.Warning.Render("i: importa solo "+what) + " (le righe con errori restano fuori)")
	default:
		b.WriteString(st.OK.Render("i: importa "+plural(todo, "riga", "righe")) + " (tutte valide)")
	}
	b.WriteString("\n\n" + v.vp.View())
	return b.String()
}

// plural is "1 riga" or "3 righe".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
