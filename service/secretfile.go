package service

import (
	"errors"
	"fmt"
	"io"
	"os"

	"vivipass/domain"
)

// maxSecretFile bounds what a password file may hold: a password is a line.
const maxSecretFile = 64 << 10

// readSecretFile reads a password file (PEC, national platform). A file that another
// user may read is refused, with the command that fixes it (#12 point 6): the check is
// made on the file opened, so the file read is the file checked.
func readSecretFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &domain.Error{Message: fmt.Sprintf("file della password %s non leggibile: %v", path, unwrapPathError(err))}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, &domain.Error{Message: fmt.Sprintf("file della password %s non leggibile: %v", path, unwrapPathError(err))}
	}
	if !fi.Mode().IsRegular() {
		return nil, &domain.Error{Message: fmt.Sprintf("il file della password %s non è un file ordinario: rifiutato", path)}
	}
	if err := secretModeError(path, fi.Mode()); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return nil, &domain.Error{Message: fmt.Sprintf("file della password %s non leggibile: %v", path, unwrapPathError(err))}
	}
	if len(b) > maxSecretFile {
		return nil, &domain.Error{Message: fmt.Sprintf("il file della password %s è troppo grande per contenere una password: rifiutato", path)}
	}
	return b, nil
}

// secretModeError refuses a password file readable by the group or by other users.
func secretModeError(path string, mode os.FileMode) error {
	if mode.Perm()&0o044 == 0 {
		return nil
	}
	who := "dagli altri utenti"
	if mode.Perm()&0o004 == 0 {
		who = "dal gruppo"
	}
	return &domain.Error{Message: fmt.Sprintf("il file della password %s è leggibile %s (permessi %04o): rifiutato. "+
		"Renderlo leggibile solo dal proprietario con: chmod 600 %s", path, who, mode.Perm(), path)}
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
