package service

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"vivipass/domain"
	"vivipass/store"
)

// LoadDemo fills an empty register with demonstration data for Venezia (L736) and
// Padova (G224): operators, people and passes in every state, made through the same
// use cases an operator uses (so history and audit are real). It returns the number
// of passes created; 0 when the demo is already there.
func (s *Service) LoadDemo(a Actor) (int, error) {
	if a.Comune != "" || !a.Admin() {
		return 0, ErrForbidden
	}
	var loaded bool
	if err := s.view(func(tx *store.Tx) error { loaded = len(tx.Meta("demo")) > 0; return nil }); err != nil {
		return 0, err
	}
	if loaded {
		return 0, nil
	}
	today := s.Today()
	for _, c := range []string{"L736", "G224"} {
		if err := s.Init(a, c); err != nil {
			return 0, err
		}
	}
	pd, err := s.Settings(a, "G224")
	if err != nil {
		return 0, err
	}
	pd.FinestraTemporale, pd.ExpiryRule = true, domain.ExpiryBirthday
	if _, err := s.SaveSettings(a, pd); err != nil {
		return 0, err
	}
	if err := s.demoNational(a, today); err != nil {
		return 0, err
	}
	demoOps := []domain.Operator{
		{Name: "admin", FullName: "Laura Zennaro", Role: domain.RoleAmministratore, Comune: "L736"},
		{Name: "mario", FullName: "Mario Furlan", Role: domain.RoleOperatore, Comune: "L736"},
		{Name: "giulia", FullName: "Giulia Toffolo", Role: domain.RoleOperatore, Comune: "G224"},
	}
	for _, op := range demoOps {
		if _, err := s.AddOperator(a, op); err != nil {
			return 0, err
		}
	}
	// The passes are made and changed at the counter by the demo's operators, so the
	// history and the printed documents name a person (#11.14): mario at Venezia,
	// giulia at Padova.
	desk := map[string]Actor{"L736": OperatorActor(demoOps[1]), "G224": OperatorActor(demoOps[2])}
	type person struct {
		cognome, nome, sesso string
		y, m, d              int
		luogo                string
	}
	people := []person{
		{"ROSSI", "MARIO", "M", 1980, 1, 1, "L736"}, {"BIANCHI", "GIOVANNA", "F", 1975, 7, 23, "L736"},
		{"ZANON", "NICOLÒ", "M", 1950, 12, 5, "G224"}, {"D'ANDREA", "LUCIA", "F", 1942, 3, 14, "L736"},
		{"FORLIN", "GIUSEPPE", "M", 1938, 9, 2, "L781"}, {"SCARPA", "ANNA", "F", 1961, 11, 30, "L736"},
		{"VIANELLO", "FRANCESCO", "M", 1947, 5, 19, "L736"}, {"BOSCOLO", "MARIA", "F", 1933, 2, 8, "C638"},
		{"MENEGHETTI", "LUIGI", "M", 1955, 6, 21, "G224"}, {"BERTO", "ELENA", "F", 1970, 4, 2, "L407"},
		{"DE ROSSI", "PAOLO", "M", 1952, 8, 11, "L736"}, {"TREVISAN", "GIULIA", "F", 1988, 10, 27, "L407"},
		{"FABRIS", "ANTONIO", "M", 1944, 1, 17, "G224"}, {"PAVAN", "ROSA", "F", 1949, 12, 24, "L736"},
		{"ZAMPIERI", "GIORGIO", "M", 1958, 3, 3, "G224"}, {"CARRARO", "TERESA", "F", 1936, 7, 7, "G224"},
		{"MARCON", "ALBERTO", "M", 1966, 9, 15, "L736"}, {"SARTORI", "FRANCA", "F", 1951, 5, 5, "L781"},
		{"BORTOLOTTO", "RENATO", "M", 1940, 2, 29, "L736"}, {"GALLO", "SILVIA", "F", 1979, 6, 6, "Z133"},
	}
	plates := []string{"AB123CD", "FG456HJ", "KL789MN", "EF456GH", "GA001ZZ", "DX234YT", "FB908KL", "CZ771PR",
		"EH305NS", "GB612TV", "BP44417", "FM220AA", "DW585CE", "GH130LM", "EK909XY", "FR707BD", "CL321MV",
		"DA642RT", "GK011FF", "EZ888HN"}
	n := 0
	var ids []Change
	var comuni []string
	for i, pp := range people {
		birth := domain.MustDate(pp.y, time.Month(pp.m), pp.d)
		cf, err := domain.ComputeCF(pp.cognome, pp.nome, pp.sesso[0], birth, pp.luogo)
		if err != nil {
			return n, fmt.Errorf("demo %s %s: %w", pp.cognome, pp.nome, err)
		}
		comune := "L736"
		if i%4 == 3 {
			comune = "G224"
		}
		// Issue dates spread over five years, so that some passes are expiring or expired.
		rilascio := today.AddDays(-(60 + i*97) % 1900)
		kind := domain.Permanente
		var scad domain.Date
		if i%7 == 6 {
			kind, scad = domain.Temporaneo, rilascio.AddDays(365)
		}
		req := IssueRequest{Comune: comune, Person: domain.Person{CodiceFiscale: cf, Cognome: pp.cognome, Nome: pp.nome,
			Sesso: pp.sesso, DataNascita: birth, LuogoNascita: pp.luogo, ComuneResidenza: comune,
			Indirizzo: fmt.Sprintf("VIA DEMO %d", i+1), Email: fmt.Sprintf("cittadino%d@example.it", i+1), Telefono: fmt.Sprintf("+39 333 000%04d", i+1)},
			Pass:   domain.IssueInput{Kind: kind, DataRilascio: rilascio, DataScadenza: scad, Consent: i%3 == 0},
			Plates: []PlateInput{{Number: plates[i], Role: roleIf(i%3 == 0)}}}
		if i%5 == 1 && comune == "L736" { // a second plate for the regional circuit
			req.Plates = append(req.Plates, PlateInput{Number: plates[(i+7)%len(plates)]})
		}
		res, err := s.IssuePass(desk[comune], req)
		if err != nil {
			return n, fmt.Errorf("demo %s %s: %w", pp.cognome, pp.nome, err)
		}
		n++
		ids = append(ids, Change{PassID: res.Pass.ID})
		comuni = append(comuni, comune)
	}
	// at is the operator of the pass's comune.
	at := func(i int) Actor { return desk[comuni[i]] }
	// A life cycle for some of them, through the same use cases.
	steps := []func() error{
		func() error {
			_, err := s.SuspendPass(at(5), ids[5], today.AddDays(-3), "verifica dei requisiti in corso")
			return err
		},
		func() error {
			_, err := s.RevokePass(at(9), ids[9], today.AddDays(-30), "requisiti non più presenti")
			return err
		},
		func() error {
			_, err := s.DuplicatePass(at(1), ids[1], domain.DuplicateInput{Reason: domain.Furto, Denuncia: domain.PoliceReport{
				Numero: fmt.Sprintf("417/%d", today.Year()), Data: today.AddDays(-2), Autorita: "Carabinieri – Stazione di Mestre"}})
			return err
		},
		func() error {
			v, err := s.GetPass(at(2), ids[2].PassID)
			if err != nil {
				return err
			}
			if v.Status == domain.Scaduto || v.Status == domain.InScadenza {
				_, err = s.RenewPass(at(2), ids[2], domain.RenewInput{})
			}
			return err
		},
		func() error { _, err := s.TransferPass(at(3), ids[3], "L736"); return err },
		func() error {
			v, err := s.GetPass(at(12), ids[12].PassID)
			if err != nil {
				return err
			}
			_, err = s.MarkDeceased(at(12), v.Pass.PersonID, today.AddDays(-10))
			return err
		},
		func() error {
			v, err := s.GetPass(at(0), ids[0].PassID)
			if err != nil || !v.Pass.Current() {
				return err
			}
			_, err = s.AddPlate(at(0), ids[0], PlateInput{Number: "GD555RS", From: today.AddDays(30)}, true)
			return err
		},
	}
	steps = append(steps, func() error {
		_, err := s.Publish(a, "", "Benvenuti in vivipass",
			"Questa è la bacheca informativa: qui gli amministratori pubblicano novità e comunicazioni. Gli avvisi non ancora letti sono segnati come nuovi.")
		return err
	}, func() error {
		_, err := s.Publish(a, "L736", "Sportello del giovedì",
			"Da dicembre lo sportello contrassegni di Venezia è aperto anche il giovedì pomeriggio, dalle 14:30 alle 17:00.")
		return err
	})
	for i, step := range steps {
		if err := step(); err != nil {
			return n, fmt.Errorf("demo, passo %d: %w", i+1, err)
		}
	}
	err = s.update(func(tx *store.Tx, _ *[]Event) error { return tx.PutMeta("demo", []byte(today.ISO())) })
	return n, err
}

func roleIf(b bool) domain.PlateRole {
	if b {
		return domain.RolePrincipale
	}
	return domain.RoleNone
}

// demoNational links Venezia and Padova to the simulator of the national platform run
// inside the process (the passwords in files beside the register, as real ones would
// be), so a pass issued with the consent shows its CUDE ID and codice univoco a moment
// later; Venezia's password expires in 10 days, so its Home shows the warning (N4).
func (s *Service) demoNational(a Actor, today domain.Date) error {
	dir := filepath.Dir(s.db.Path())
	for _, c := range []struct {
		comune, user string
		expires      int
	}{{"L736", "venezia", 10}, {"G224", "padova", 60}} {
		pw := filepath.Join(dir, "piattaforma-nazionale-"+c.user+".password")
		if err := os.WriteFile(pw, []byte(c.user+"\n"), 0o600); err != nil {
			return fmt.Errorf("password della piattaforma dimostrativa non scritta: %w", err)
		}
		if _, err := s.NationalConfigure(a, NationalSettings{Comune: c.comune, User: c.user, PasswordFile: pw,
			URL: SimulatorURL + filepath.Join(dir, "simulatore-nazionale.json"), PasswordExpires: today.AddDays(c.expires)}); err != nil {
			return err
		}
	}
	return nil
}
