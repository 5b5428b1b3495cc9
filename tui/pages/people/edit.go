package people

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"vivipass/domain"
	"vivipass/tui/common"
	"vivipass/tui/components/formkit"
)

// personInput is what the person form edits, as typed.
type personInput struct {
	Cognome, Nome, Sesso, Nascita, Luogo, CF string
	Motivo                                   string
	Residenza, Indirizzo, Email, Telefono    string
	CAP                                      string
	Note                                     string
}

func inputOf(p domain.Person) *personInput {
	in := &personInput{Cognome: p.Cognome, Nome: p.Nome, Sesso: p.Sesso, CF: p.CodiceFiscale, Motivo: p.CFOverride,
		Indirizzo: p.Indirizzo, CAP: p.CAP, Email: p.Email, Telefono: p.Telefono, Note: p.Note}
	if !p.DataNascita.IsZero() {
		in.Nascita = p.DataNascita.String()
	}
	if p.LuogoNascita != "" {
		in.Luogo = placeLabel(p.LuogoNascita, p.DataNascita)
	}
	if p.ComuneResidenza != "" {
		in.Residenza = placeLabel(p.ComuneResidenza, domain.Date{})
	}
	return in
}

// draft is the person as the service will see it, read leniently while the operator
// is still typing (a half-typed date counts as none).
func (in *personInput) draft(orig domain.Person) domain.Person {
	p := orig
	p.Cognome, p.Nome, p.Sesso, p.CodiceFiscale = in.Cognome, in.Nome, in.Sesso, in.CF
	p.DataNascita = domain.Date{}
	if d, err := domain.ParseDate(in.Nascita); err == nil {
		p.DataNascita = d
	}
	p.LuogoNascita = ""
	if strings.TrimSpace(in.Luogo) != "" {
		p.LuogoNascita = in.Luogo // the check understands names too
		if pl, err := domain.LookupPlace(in.Luogo, p.DataNascita); err == nil {
			p.LuogoNascita = pl.Code
		}
	}
	p.ComuneResidenza = ""
	if pl, err := domain.LookupPlace(in.Residenza, domain.Date{}); err == nil && !pl.Foreign {
		p.ComuneResidenza = pl.Code
	}
	p.Indirizzo, p.Email, p.Telefono, p.Note = in.Indirizzo, in.Email, in.Telefono, strings.TrimSpace(in.Note)
	p.CAP = strings.TrimSpace(in.CAP)
	return p
}

// check is the codice fiscale check the service will apply (A2): the same
// normalisation, the same filling of sex, birth date and place from the code.
func (in *personInput) check(orig domain.Person, today domain.Date) domain.PersonCheck {
	p := in.draft(orig)
	domain.NormalizePerson(&p)
	domain.FillFromCF(&p, today)
	return domain.CheckPerson(p, today)
}

// cfLines is the live check drawn under the codice fiscale field.
func (m *Model) cfLines(in *personInput, orig domain.Person) []string {
	st := m.ctx.Styles
	width := max(20, m.w-4)
	if strings.TrimSpace(in.CF) == "" {
		var out []string
		for _, l := range formkit.Wrap("Codice fiscale: da inserire. Sesso, data e luogo di nascita lasciati vuoti si ricavano dal codice.", width) {
			out = append(out, st.Muted.Render("  "+l))
		}
		return out
	}
	chk := in.check(orig, m.ctx.Svc.Today())
	var out []string
	add := func(label string, style func(...string) string, msg string) {
		for i, l := range formkit.Wrap(msg, width-len(label)) {
			if i == 0 {
				out = append(out, "  "+style(label)+l)
			} else {
				out = append(out, "  "+strings.Repeat(" ", len([]rune(label)))+l)
			}
		}
	}
	cfErrors := 0
	for _, e := range chk.Errors {
		if e.Field == "codice_fiscale" {
			cfErrors++
			add("Codice fiscale errato: ", st.Error.Render, e.Message)
		}
	}
	for _, e := range chk.Mismatches {
		add("Non concorda: ", st.Warning.Render, e.Message)
	}
	for _, e := range chk.Notes {
		add("Nota: ", st.Muted.Render, e.Message)
	}
	switch {
	case len(out) == len(chk.Notes):
		out = append([]string{"  " + st.OK.Render("Codice fiscale corretto e concorde con i dati.")}, out...)
	case len(chk.Mismatches) > 0 && cfErrors == 0:
		out = append(out, st.Muted.Render(common.Truncate("  Si salva lo stesso solo con un motivo (es. codice della tessera sanitaria).", m.w)))
	}
	return out
}

// personDialog is the form of a new person (ID 0) or of an existing one.
func (m *Model) personDialog(orig domain.Person) *formkit.Dialog {
	in := inputOf(orig)
	today := m.ctx.Svc.Today()
	plain := m.ctx.Styles.Plain
	title := "Nuova persona"
	if orig.ID != 0 {
		title = "Modifica anagrafica di " + orig.FullName()
	}
	mismatch := func() bool { return len(in.check(orig, today).Mismatches) > 0 }
	groups := func() []*huh.Group {
		input := func(label string, v *string) *huh.Input {
			return huh.NewInput().Title(formkit.Pad(label, 20)).Inline(true).Value(v)
		}
		return []*huh.Group{
			huh.NewGroup(
				input("Cognome", &in.Cognome).Key("cognome").CharLimit(60).Validate(formkit.Required("il cognome è obbligatorio")),
				input("Nome", &in.Nome).Key("nome").CharLimit(60).Validate(formkit.Required("il nome è obbligatorio")),
				input("Sesso", &in.Sesso).Key("sesso").Placeholder("M o F (vuoto: dal codice fiscale)").
					Validate(func(s string) error {
						switch strings.ToUpper(strings.TrimSpace(s)) {
						case "", "M", "F":
							return nil
						}
						return fmt.Errorf("sesso %q non valido: M o F", s)
					}),
				input("Data di nascita", &in.Nascita).Key("nascita").Placeholder("gg/mm/aaaa").CharLimit(10).
					Validate(func(s string) error { _, err := birthDate(s, today); return err }),
				input("Luogo di nascita", &in.Luogo).Key("luogo").Placeholder("comune o stato estero").CharLimit(60).
					Validate(func(s string) error { _, err := birthPlace(s, in.Nascita); return err }),
				input("Codice fiscale", &in.CF).Key("cf").Placeholder("16 caratteri").CharLimit(16).
					Validate(formkit.All(formkit.Required("il codice fiscale è obbligatorio"), formkit.CodiceFiscale)),
			).Title("Dati anagrafici"),
			huh.NewGroup(
				huh.NewInput().Key("motivo").Title("Motivo della forzatura").CharLimit(200).Value(&in.Motivo).
					Placeholder("es. codice della tessera sanitaria diverso da quello calcolato").
					Validate(formkit.Required("il motivo è obbligatorio")),
			).Title("Il codice fiscale non concorda con i dati").
				Description("Si salva lo stesso solo con un motivo, che resta nell'anagrafica.").
				WithHideFunc(func() bool { return !mismatch() }),
			huh.NewGroup(
				input("Comune di residenza", &in.Residenza).Key("residenza").CharLimit(60).Validate(residence),
				input("Indirizzo", &in.Indirizzo).Key("indirizzo").CharLimit(100),
				input("CAP", &in.CAP).Key("cap").CharLimit(5).
					Validate(func(s string) error { return domain.CheckCAP(strings.TrimSpace(s)) }),
				input("E-mail", &in.Email).Key("email").CharLimit(100).Validate(formkit.Email),
				input("Cellulare", &in.Telefono).Key("telefono").CharLimit(20).Validate(formkit.Phone),
				input("Note", &in.Note).Key("note").CharLimit(300),
			).Title("Residenza e contatti").Description("Invio sull'ultimo campo salva l'anagrafica."),
		}
	}
	svc, a := m.ctx.Svc, m.ctx.Actor
	var d *formkit.Dialog
	submit := func() tea.Cmd {
		p, err := in.person(orig, today)
		if err != nil {
			return func() tea.Msg { return savedMsg{err: err} }
		}
		override := ""
		if mismatch() {
			override = in.Motivo
		}
		return func() tea.Msg {
			saved, err := svc.SavePerson(a, p, override)
			if err != nil {
				return savedMsg{err: err}
			}
			what := "Anagrafica di " + saved.FullName() + " salvata."
			if override != "" {
				what = "Anagrafica di " + saved.FullName() + " salvata con il codice fiscale forzato."
			}
			return savedMsg{notice: what, show: saved.ID}
		}
	}
	d = formkit.NewDialog(title, plain, m.w, m.formHeight(), groups, submit)
	d.Below = func() []string {
		// The check belongs under the codice fiscale: the first two groups only.
		if f := d.Form().GetFocusedField(); f != nil {
			switch f.GetKey() {
			case "residenza", "indirizzo", "cap", "email", "telefono", "note":
				return nil
			}
		}
		return m.cfLines(in, orig)
	}
	return d
}

// person is the person to save, with places as codes.
func (in *personInput) person(orig domain.Person, today domain.Date) (domain.Person, error) {
	p := in.draft(orig)
	var err error
	if p.DataNascita, err = birthDate(in.Nascita, today); err != nil {
		return p, err
	}
	if p.LuogoNascita, err = birthPlace(in.Luogo, in.Nascita); err != nil {
		return p, err
	}
	if err := residence(in.Residenza); err != nil {
		return p, err
	}
	return p, nil
}

func birthDate(s string, today domain.Date) (domain.Date, error) {
	if strings.TrimSpace(s) == "" {
		return domain.Date{}, nil
	}
	d, err := domain.ParseDate(s)
	if err != nil {
		return d, err
	}
	if d.After(today) {
		return d, fmt.Errorf("la data di nascita %s è nel futuro", d)
	}
	return d, nil
}

// birthPlace is the code of the comune or foreign state typed, as valid at the birth date.
func birthPlace(s, birth string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", nil
	}
	at, _ := domain.ParseDate(birth)
	pl, err := domain.LookupPlace(s, at)
	if err != nil {
		return "", err
	}
	return pl.Code, nil
}

func residence(s string) error {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	pl, err := domain.LookupPlace(s, domain.Date{})
	if err != nil {
		return err
	}
	if pl.Foreign {
		return fmt.Errorf("%s è uno stato estero: indicare il comune italiano di residenza", pl.Name)
	}
	return nil
}
