//go:build !lean

package explain

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/url"
)

// The errors of HTTPS and of certificates. The command line's program (-tags lean,
// cmd/vivipass/lean.go) makes no such connection and does not link TLS: web_lean.go.

// webItalian explains one error of a URL or of TLS (ok false: not one of them).
func webItalian(e error) (string, bool) {
	var (
		ue   *url.Error
		cert *tls.CertificateVerificationError
		ua   x509.UnknownAuthorityError
		he   x509.HostnameError
		ci   x509.CertificateInvalidError
		rh   tls.RecordHeaderError
	)
	switch {
	case errors.As(e, &ue) && e == error(ue):
		host := ue.URL
		if u, err := url.Parse(ue.URL); err == nil && u.Host != "" {
			host = u.Host
		}
		return "collegamento a " + host + " non riuscito: " + Text(ue.Err), true
	case errors.As(e, &cert) && e == error(cert):
		return "il certificato del server non è valido (" + reason(cert.Err) + "): verificare l'indirizzo; se il server ha un certificato proprio, configurarne l'autorità", true
	case errors.As(e, &ua) && e == error(ua), errors.As(e, &he) && e == error(he), errors.As(e, &ci) && e == error(ci):
		return reason(e), true
	case errors.As(e, &rh) && e == error(rh):
		return "il server non parla TLS su quella porta: controllare la porta e se la connessione è cifrata", true
	}
	return "", false
}

// certificateCause explains a certificate refused inside a connection error.
func certificateCause(err error) (string, bool) {
	var (
		ua x509.UnknownAuthorityError
		he x509.HostnameError
		ci x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &ua):
		return "certificato firmato da un'autorità sconosciuta", true
	case errors.As(err, &he):
		return "certificato rilasciato per un altro nome (" + he.Host + ")", true
	case errors.As(err, &ci):
		if ci.Reason == x509.Expired {
			return "certificato scaduto o non ancora valido", true
		}
		return "certificato non valido", true
	}
	return "", false
}
