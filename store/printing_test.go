package store_test

import (
	"encoding/json"
	"testing"

	"vivipass/store"
)

func TestTemplatesArePerComune(t *testing.T) {
	db := open(t)
	err := db.Update(func(tx *store.Tx) error {
		for _, tpl := range []store.Template{
			{Comune: "L736", Name: "ricevuta", Body: "a"},
			{Comune: "L736", Name: "autorizzazione", Body: "b"},
			{Comune: "L7360", Name: "x", Body: "not Venezia's"}, // a code that extends another
			{Comune: "G224", Name: "ricevuta", Body: "c"},
		} {
			if err := tx.PutTemplate(tpl); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *store.Tx) error {
		ts, err := tx.Templates("L736")
		if err != nil || len(ts) != 2 || ts[0].Name != "autorizzazione" || ts[1].Name != "ricevuta" {
			t.Errorf("Templates(L736) = %+v, %v", ts, err)
		}
		if tpl, err := tx.Template("G224", "ricevuta"); err != nil || tpl.Body != "c" {
			t.Errorf("Template(G224, ricevuta) = %+v, %v", tpl, err)
		}
		if _, err := tx.Template("G224", "autorizzazione"); err != store.ErrNotFound {
			t.Errorf("missing template: %v", err)
		}
		return nil
	})
	db.Update(func(tx *store.Tx) error { return tx.DeleteTemplate("L736", "ricevuta") })
	db.View(func(tx *store.Tx) error {
		if ts, _ := tx.Templates("L736"); len(ts) != 1 {
			t.Errorf("after delete: %+v", ts)
		}
		return nil
	})
}

func TestPrintersAndPrintSettings(t *testing.T) {
	db := open(t)
	db.View(func(tx *store.Tx) error {
		s, err := tx.PrintSettings("L736")
		if err != nil || s.Comune != "L736" || s.Layout != nil || s.Version != 0 {
			t.Errorf("no settings: %+v, %v", s, err)
		}
		return nil
	})
	err := db.Update(func(tx *store.Tx) error {
		if err := tx.PutPrintSettings(store.PrintSettings{Comune: "L736", Layout: json.RawMessage(`{"width":148}`), Printer: "DESK1", Version: 1}); err != nil {
			return err
		}
		for _, q := range []string{"DESK2", "DESK1"} {
			if err := tx.PutPrinter(store.Printer{Queue: q, Comune: "L736", OffsetX: 1.5, OffsetY: -0.5, Version: 1}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *store.Tx) error {
		s, _ := tx.PrintSettings("L736")
		if string(s.Layout) != `{"width":148}` || s.Printer != "DESK1" {
			t.Errorf("settings %+v", s)
		}
		ps, err := tx.Printers()
		if err != nil || len(ps) != 2 || ps[0].Queue != "DESK1" || ps[0].OffsetX != 1.5 {
			t.Errorf("Printers = %+v, %v", ps, err)
		}
		return nil
	})
	db.Update(func(tx *store.Tx) error { return tx.DeletePrinter("DESK1") })
	db.View(func(tx *store.Tx) error {
		if _, err := tx.Printer("DESK1"); err != store.ErrNotFound {
			t.Errorf("deleted printer: %v", err)
		}
		return nil
	})
	verifyClean(t, db)
}
