package formkit

import (
	"errors"
	"fmt"

	"charm.land/huh/v2"

	"vivipass/files"
	"vivipass/tui/common"
)

// FileChoice is a field that chooses one file of a subfolder of the comune's folder
// (newest first, with size and date): the desk never asks for a path on the server.
// The listing is read when the form is built (one directory of one comune). With no
// folder, or no file in it, the field says how to put one there and refuses to go on.
func FileChoice(ctx *common.Context, sub, title string, value *string) *huh.Select[string] {
	sel := huh.NewSelect[string]().Key("file").Title(title).Value(value)
	var entries []files.Entry
	var err error
	if ctx.Files == nil {
		err = errors.New("la cartella dei file del comune non è configurata su questo server")
	} else {
		entries, err = ctx.Files.List(sub)
	}
	var opts []huh.Option[string]
	for _, e := range entries {
		opts = append(opts, huh.NewOption(fmt.Sprintf("%s  (%s, %s)", e.Name, files.Bytes(e.Size), common.When(e.ModTime)), e.Name))
	}
	desc := fmt.Sprintf("I file della cartella %s/ del comune.", sub)
	if len(opts) == 0 {
		opts = []huh.Option[string]{huh.NewOption("(nessun file)", "")}
		desc = fmt.Sprintf("La cartella %s/ del comune è vuota.", sub)
	}
	if hint := UploadHint(ctx, sub); hint != "" {
		desc += " " + hint
	}
	if err != nil {
		desc = err.Error()
	}
	return sel.Options(opts...).Description(desc).Validate(func(name string) error {
		if err != nil {
			return err
		}
		if name == "" {
			return fmt.Errorf("nessun file da scegliere in %s/", sub)
		}
		return nil
	})
}

// UploadHint tells how a file gets into (or out of) the subfolder from the counter PC.
func UploadHint(ctx *common.Context, sub string) string {
	if ctx.FilesHint == "" {
		return ""
	}
	return fmt.Sprintf("Dal PC dello sportello: %s, cartella %s/.", ctx.FilesHint, sub)
}

// SaveName is a field for the name of a new file in a subfolder: made safe, never over
// an existing file (the folder adds -1, -2… when the name is taken).
func SaveName(ctx *common.Context, sub, title string, value *string) *huh.Input {
	desc := fmt.Sprintf("Si salva nella cartella %s/ del comune; se il nome c'è già se ne usa uno nuovo.", sub)
	if hint := UploadHint(ctx, sub); hint != "" {
		desc += " " + hint
	}
	return huh.NewInput().Key("name").Title(title).Description(desc).CharLimit(files.MaxNameBytes).Value(value).
		Validate(func(s string) error {
			if ctx.Files == nil {
				return errors.New("la cartella dei file del comune non è configurata su questo server")
			}
			if files.SafeName(s) == "" || s == "" {
				return errors.New("indicare il nome del file")
			}
			return nil
		})
}
