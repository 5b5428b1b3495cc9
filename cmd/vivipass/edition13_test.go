//go:build !lean

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vivipass/domain"
	"vivipass/printing/printtest"
	"vivipass/service"
)

// TestVerifyEdition (issue 13.2): `vivipass verify` with the register tells the card a
// duplicate replaced from the duplicate's, though number and expiry are the same: NON
// VALIDO (exit 3) and VALIDO; offline with --key it shows the card's edition and says
// that only the register knows whether it is still the card in force.
func TestVerifyEdition(t *testing.T) {
	t.Parallel()
	db := demoDB(t)
	zanon := rowOf(t, db, "ZANON", "ZANON NICOLÒ")
	qrOf := func(name string) string {
		out := filepath.Join(t.TempDir(), name+".pdf")
		must(t, 0, "print", "card", zanon.Numero, "--mode", "fronte", "--out", out, "--db", db)
		pdf, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return printtest.DecodeQR(t, pdf, 1)
	}
	first := qrOf("prima")
	r := must(t, 0, "verify", first, "--db", db)
	contains(t, "the first card", r.stdout, "Firma valida: contrassegno "+zanon.Numero+", edizione 1,", "VALIDO: contrassegno")

	// A duplicate for theft, as the desk makes it.
	svc, done, err := openService(db)
	if err != nil {
		t.Fatal(err)
	}
	today := domain.Today()
	res, err := svc.DuplicatePass(service.SystemActor("test"), service.Change{PassID: zanon.ID, Version: zanon.Version},
		domain.DuplicateInput{Reason: domain.Furto, Denuncia: domain.PoliceReport{Numero: "7/2026", Data: today, Autorita: "Carabinieri di Venezia"}})
	done()
	if err != nil {
		t.Fatal(err)
	}
	second := qrOf("duplicato")
	if res.Pass.Number != zanon.Numero || first == second {
		t.Fatalf("duplicate %s, same QR code: %v", res.Pass.Number, first == second)
	}

	r = must(t, 3, "verify", first, "--db", db)
	contains(t, "the stolen card", r.stdout, "Firma valida: contrassegno "+zanon.Numero+", edizione 1,",
		"NON VALIDO: carta sostituita da un duplicato (edizione 2 del "+today.String()+") per furto.")
	r = must(t, 0, "verify", second, "--db", db)
	contains(t, "the duplicate's card", r.stdout, "edizione 2,", "VALIDO: contrassegno", "le carte delle edizioni precedenti non sono più valide")
	if strings.Contains(r.stdout, "NON VALIDO") {
		t.Errorf("the duplicate's card:\n%s", r.stdout)
	}

	// Offline: the edition, and the register to be asked.
	key, _, _ := strings.Cut(must(t, 0, "verify", "--public-key", "--db", db).stdout, " ")
	r = must(t, 0, "verify", first, "--key", key)
	contains(t, "offline", r.stdout, "Firma valida: contrassegno "+zanon.Numero+", edizione 1,", "lo dice solo il registro")
	if strings.Contains(r.stdout, "VALIDO:") {
		t.Errorf("offline verify gives a verdict it cannot know:\n%s", r.stdout)
	}
	r = must(t, 1, "verify", strings.Replace(first, ";1;", ";2;", 1), "--key", key)
	contains(t, "a forged edition", r.stderr, "FIRMA NON VALIDA")
}
