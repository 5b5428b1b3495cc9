package domain

import (
	"errors"
	"fmt"
)

// Error is a rule violation an operator can read (in Italian). Services wrap it; the
// TUI and CLI show Message as it is.
type Error struct{ Message string }

func (e *Error) Error() string { return e.Message }

func errorf(format string, a ...any) error { return &Error{fmt.Sprintf(format, a...)} }

// IsRule reports whether err is (or wraps) a domain rule violation.
func IsRule(err error) bool {
	var e *Error
	return errors.As(err, &e)
}
