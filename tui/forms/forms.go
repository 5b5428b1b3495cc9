package forms

import "vivipass/tui/pages/pass"

// PassForms is every operation form, as the Scheda contrassegno and the Contrassegni
// page open them.
func PassForms() pass.Forms {
	return pass.Forms{
		Renew:       NewRenew,
		Duplicate:   NewDuplicate,
		Transfer:    NewTransfer,
		Suspend:     NewSuspend,
		Revoke:      NewRevoke,
		Resume:      NewResume,
		Undo:        NewUndo,
		Deceased:    NewDeceased,
		AddPlate:    NewAddPlate,
		Edit:        NewEdit,
		National:    NewNational,
		ClosePlate:  NewClosePlate,
		RemovePlate: NewRemovePlate,
		Role:        NewRole,
		NewIssue:    NewIssue,
	}
}
