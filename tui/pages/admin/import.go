package admin

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"vivipass/domain"
	"vivipass/files"
	"vivipass/service"
	"vivipass/tui/common"
	"vivipass/tui/components"
	"vivipass/tui/components/formkit"
)

// maxImport bounds what a file named by mistake (a disk image, a device) may take in
// memory; a region's register is a few tens of MB.
const maxImport = 512 << 20

type importStage int

const (
	stagePath      importStage = iota // choosing the file of import/
	stageChecking                     // dry run under way
	stageChecked                      // report of the check, waiting for "importa"
	stageImporting                    // writing, progress bar
	stageDone                         // final report
)

// ImportKeys are the keys of Import massivi.
type ImportKeys struct {
	Check, Import, Again, Up, Down, PgUp, PgDown key.Binding
	Reload                                       key.Binding
}

// NewImportKeys is the default.
func NewImportKeys() ImportKeys {
	return ImportKeys{
		Check:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("invio", "controlla il file")),
		Reload: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "rileggi la cartella")),
		Import: key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "importa")),
		Again:  key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "altro file")),
		Up:     key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "scorri")),
		Down:   key.NewBinding(key.WithKeys("down")),
		PgUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pag↑/↓", "pagina")),
		PgDown: key.NewBinding(key.WithKeys("pgdown")),
	}
}

// importView is Import massivi (M1): a CSV of the comune's import/ folder, a check of every
// row first (nothing written), the errors by row and column in a scrollable report,
// then the import with a progress bar fed by the service's progress callback.
type importView struct {
	ctx    *common.Context
	keys   ImportKeys
	stage  importStage
	list   components.List[files.Entry] // the CSV files of import/, newest first
	listed error                        // why the folder could not be read
	seq    int
	file   string
	data   []byte // the checked content: the import writes what the report describes
	rep    service.ImportReport
	failed string // the file itself was refused (unreadable, not a CSV, header…)
	// asking: i was pressed; the import starts only on s (issue 11.4).
	asking bool
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
	bar := progress.New(progress.WithFillCharacters('█', '░'), progress.WithColors(lipgloss.Blue))
	if ctx.Styles.Plain {
		bar.FullColor, bar.EmptyColor = lipgloss.NoColor{}, lipgloss.NoColor{}
	}
	v := &importView{ctx: ctx, keys: NewImportKeys(), bar: bar,
		vp: viewport.New(viewport.WithWidth(80), viewport.WithHeight(10))}
	v.list.Columns = []components.Column{{Title: "File", Width: 30, Flex: true}, {Title: "Dimensione", Width: 10}, {Title: "Caricato", Width: 16}}
	return v
}

// filesMsg is the listing of import/.
type filesMsg struct {
	entries []files.Entry
	err     error
}

// listFiles reads the comune's import/ folder.
func (v *importView) listFiles() tea.Cmd {
	folder := v.ctx.Files
	return func() tea.Msg {
		if folder == nil {
			return filesMsg{err: errors.New("la cartella dei file del comune non è configurata su questo server")}
		}
		entries, err := folder.List("import")
		return filesMsg{entries, err}
	}
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
	if v.stage == stagePath {
		return v.listFiles()
	}
	return nil
}

func (v *importView) capturing() bool { return v.asking } // esc answers the question
func (v *importView) busy() bool {
	return v.stage == stageChecking || v.stage == stageImporting || v.asking
}

func (v *importView) help() []key.Binding {
	k := v.keys
	switch v.stage {
	case stagePath:
		return []key.Binding{k.Check, k.Up, k.Reload}
	case stageChecked:
		if v.asking {
			return []key.Binding{key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "importa")),
				key.NewBinding(key.WithKeys("n"), key.WithHelp("n/esc", "torna indietro"))}
		}
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
	v.list.SetSize(w, max(3, h-8))
	v.bar.SetWidth(max(20, min(60, w-2)))
	v.vp.SetWidth(w)
	v.vp.SetHeight(max(3, h-7))
	v.fillReport()
}

func (v *importView) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case filesMsg:
		v.listed = msg.err
		v.list.Set(msg.entries, func(e files.Entry) []string {
			return []string{e.Name, files.Bytes(e.Size), common.When(e.ModTime)}
		})
		v.list.SetSize(v.w, max(3, v.h-8))
		return nil
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
	return nil
}

func (v *importView) key(msg tea.KeyPressMsg) tea.Cmd {
	k := v.keys
	if v.asking {
		v.asking = false
		v.vp.SetHeight(max(3, v.h-7))
		if msg.String() == "s" || msg.String() == "S" {
			return v.start()
		}
		return common.Notice("Import non avviato: nessuna riga scritta.")
	}
	switch v.stage {
	case stagePath:
		switch {
		case key.Matches(msg, k.Check):
			return v.check()
		case key.Matches(msg, k.Up):
			v.list.Move(-1)
		case key.Matches(msg, k.Down):
			v.list.Move(1)
		case key.Matches(msg, k.Reload):
			return v.listFiles()
		}
		return nil
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
			return v.listFiles()
		case key.Matches(msg, k.Import) && v.stage == stageChecked:
			if v.failed != "" || v.data == nil || v.rep.Valid-v.rep.Skipped == 0 {
				return v.start() // says why not
			}
			v.asking = true
			v.vp.SetHeight(max(3, v.h-10)) // room for the question
			return nil
		}
	}
	return nil
}

// check reads the file and runs the import as a dry run: every row checked against the
// file and the register, nothing written.
func (v *importView) check() tea.Cmd {
	e, ok := v.list.Selected()
	if !ok {
		return common.Notice("Nessun file da controllare nella cartella import/ del comune.")
	}
	v.seq++
	v.stage = stageChecking
	seq, svc, a, folder, name := v.seq, v.ctx.Svc, v.ctx.Actor, v.ctx.Files, e.Name
	v.file = name
	return func() tea.Msg {
		data, err := readImport(folder, name)
		if err != nil {
			return checkedMsg{seq: seq, file: name, err: err}
		}
		rep, err := svc.Import(a, service.ImportRequest{FileName: "import/" + name, Data: data, DryRun: true}, nil)
		return checkedMsg{seq, name, data, rep, err}
	}
}

// readImport reads a file of import/ through service.ImportGuard (issue 12.9): a file
// that is not an import file is refused at its header or its first overlong line, not
// read to its end.
func readImport(folder *files.Folder, name string) ([]byte, error) {
	f, e, err := folder.Open("import", name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if e.Size > maxImport {
		return nil, fmt.Errorf("il file import/%s è troppo grande (%s; al massimo %s)", e.Name, files.Bytes(e.Size), files.Bytes(maxImport))
	}
	data, err := io.ReadAll(io.LimitReader(service.ImportGuard(f), maxImport+1))
	switch {
	case service.IsImportFileError(err):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("impossibile leggere import/%s: %w", e.Name, err)
	case len(data) > maxImport: // it grew while being read
		return nil, fmt.Errorf("il file import/%s è troppo grande (più di %s)", e.Name, files.Bytes(maxImport))
	}
	return data, nil
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
	section(fmt.Sprintf("Errori (%d, in %s): queste righe non si importano", len(rep.Errors), domain.Count(rowsWithErrors(rep.Errors), "riga", "righe")), rep.Errors)
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
	s := fmt.Sprintf("Import completato: %s, %d già nel registro", domain.Count(r.Imported, "contrassegno importato", "contrassegni importati"), r.Skipped)
	if n := rowsWithErrors(r.Errors); n > 0 {
		s += ", " + domain.Count(n, "riga con errori lasciata fuori", "righe con errori lasciate fuori")
	}
	return s + "."
}

func (v *importView) view() string {
	st := v.ctx.Styles
	var b strings.Builder
	switch v.stage {
	case stagePath:
		for _, l := range formkit.Wrap("Un CSV del modello di import (separato da ; o da virgola) dalla cartella import/ del comune. "+
			"Prima si controlla ogni riga, senza scrivere nulla; poi si decide se importare. "+formkit.UploadHint(v.ctx, "import"), max(20, v.w-1)) {
			b.WriteString(l + "\n")
		}
		b.WriteString("\n")
		if v.listed != nil {
			b.WriteString(st.Error.Render(common.Truncate(common.ErrorText(v.listed), v.w)))
			return b.String()
		}
		b.WriteString(v.list.View(st, "La cartella import/ è vuota: caricarvi il file, poi r per rileggerla."))
		return b.String()
	case stageChecking:
		return "\n" + common.Truncate("Controllo di import/"+v.file+" in corso: ogni riga, sul file e sul registro…", v.w)
	case stageImporting:
		pct := 0.0
		if v.total > 0 {
			pct = float64(v.done) / float64(v.total)
		}
		return "\n" + common.Truncate("Import di "+filepath.Base(v.file)+" in corso (le altre modifiche attendono la fine).", v.w) +
			"\n\n" + v.bar.ViewAs(pct) + "\n" + fmt.Sprintf("%d di %s scritte", v.done, domain.Count(v.total, "riga", "righe"))
	}
	b.WriteString(st.Label.Render("File    ") + common.Truncate(v.file, v.w-8) + "\n")
	if v.failed != "" {
		// The first line holds the label too: wrapped at the width that is left of it.
		label := "Il file non si importa: "
		lines := formkit.Wrap(label+v.failed, max(20, v.w-2))
		for i, l := range lines {
			if i == 0 {
				b.WriteString("\n" + st.Error.Render(label) + strings.TrimPrefix(l, label))
				continue
			}
			b.WriteString("\n" + l)
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
		what := domain.Count(todo, "riga valida", "righe valide")
		if todo > 1 {
			what = "le " + what
		} else {
			what = "la " + what[2:]
		}
		b.WriteString(st.Warning.Render("i: importa solo "+what) + " (le righe con errori restano fuori)")
	default:
		b.WriteString(st.OK.Render("i: importa "+domain.Count(todo, "riga", "righe")) + " (tutte valide)")
	}
	if v.asking {
		place, _ := domain.ComuneByCode(v.ctx.Operator.Comune)
		q := fmt.Sprintf("Importare %s nel registro di %s? Le righe scritte restano nel registro. s per importare, n o esc per tornare.",
			domain.Count(todo, "contrassegno", "contrassegni"), place.Name)
		b.WriteString("\n")
		for _, l := range formkit.Wrap(q, max(20, v.w)) {
			b.WriteString("\n" + st.Warning.Render(l))
		}
	}
	b.WriteString("\n\n" + v.vp.View())
	return b.String()
}
