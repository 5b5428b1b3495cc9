package store

import "time"

// NationalConfig is a comune's link with the national CUDE platform (N1–N5). The
// password is never here: it is read from PasswordFile, or from the environment
// (VIVIPASS_NATIONAL_PASSWORD_<CODE>), at each send.
type NationalConfig struct {
	Comune       string `json:"comune"`
	URL          string `json:"url,omitempty"`
	User         string `json:"user,omitempty"`
	PasswordFile string `json:"password_file,omitempty"`
	CAFile       string `json:"ca_file,omitempty"` // PEM of the certificates trusted for URL
	// PasswordExpires is when the platform's password expires (N4): a banner on every
	// Home of the comune from WarnDays before.
	PasswordExpires time.Time `json:"password_expires,omitzero"`
	WarnDays        int       `json:"warn_days"`
	// Manual: the operators type the CUDE ID and the codice univoco from the portal
	// (N5); nothing is sent.
	Manual bool `json:"manual,omitempty"`
	// Paused says why the comune's queue waits (the platform said the password expired);
	// cleared when the settings are saved again.
	Paused   string    `json:"paused,omitempty"`
	PausedAt time.Time `json:"paused_at,omitzero"`
	Version  uint64    `json:"version"`
}

// NationalConfig reads a comune's settings (ErrNotFound when never configured).
func (t *Tx) NationalConfig(comune string) (NationalConfig, error) {
	return get[NationalConfig](t, "national_config", []byte(comune))
}

// PutNationalConfig writes a comune's settings.
func (t *Tx) PutNationalConfig(c NationalConfig) error {
	return put(t, "national_config", []byte(c.Comune), c)
}

// NationalConfigs lists every configured comune.
func (t *Tx) NationalConfigs() ([]NationalConfig, error) {
	var out []NationalConfig
	err := forEach(t, "national_config", func(c NationalConfig) bool { out = append(out, c); return true })
	return out, err
}
