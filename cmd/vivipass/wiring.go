package main

import (
	"vivipass/domain"
	"vivipass/service"
	"vivipass/tui"
	"vivipass/tui/forms"
)

// desk wires a session's options: the sections and forms every part of the desk adds.
func desk(svc *service.Service, op domain.Operator, plain bool) tui.Options {
	return tui.Options{Svc: svc, Operator: op, Plain: plain, Forms: forms.PassForms()}
}
