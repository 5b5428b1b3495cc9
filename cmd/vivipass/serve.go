package main

import "errors"

// cmdServe serves the desk over SSH (see package server).
func cmdServe(e *env, args []string) error {
	return errors.New("serve: non ancora disponibile")
}
