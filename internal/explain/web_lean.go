//go:build lean

package explain

// The command line's program (-tags lean) makes no HTTPS connection: no error of a URL
// or of a certificate reaches it (web.go explains them in the full program).

func webItalian(error) (string, bool) { return "", false }

func certificateCause(error) (string, bool) { return "", false }
