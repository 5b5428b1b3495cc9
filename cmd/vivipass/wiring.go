//go:build !lean

package main

import (
	"vivipass/domain"
	"vivipass/service"
	"vivipass/tui"
	"vivipass/tui/common"
	"vivipass/tui/forms"
	"vivipass/tui/keys"
	"vivipass/tui/pages/admin"
	"vivipass/tui/pages/home"
	"vivipass/tui/pages/inbox"
	"vivipass/tui/pages/people"
	"vivipass/tui/pages/print"
)

// desk wires a session's options: the sections and forms every part of the desk adds.
func desk(svc *service.Service, op domain.Operator, plain bool) tui.Options {
	g := keys.NewGlobal()
	passForms := forms.PassForms()
	passForms.Print, passForms.Modules = print.NewCard, print.NewModules // Stampa, Moduli (issue 4)
	return tui.Options{Svc: svc, Operator: op, Plain: plain, Forms: passForms,
		Sections: []tui.Section{
			{Name: "Anagrafica", Key: g.People, New: func(c *common.Context) common.Page { return people.New(c) }},
			{Name: "Amministrazione", Key: g.Admin, AdminOnly: true, New: func(c *common.Context) common.Page { return admin.New(c) }},
			{Name: "Richieste PEC", Key: g.Inbox, New: func(c *common.Context) common.Page { return inbox.New(c) }},
		},
		Warnings: []home.Warning{inbox.Warning, nationalWarning}}
}

// nationalWarning is the national platform's line on Home (N4): the password about to
// expire, or the queue paused.
func nationalWarning(svc *service.Service, a service.Actor) []string {
	lines, err := svc.NationalBanner(a)
	if err != nil {
		return []string{"piattaforma nazionale: " + err.Error()}
	}
	return lines
}
