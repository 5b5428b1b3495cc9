package parse

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"time"

	"github.com/emersion/go-message/charset"
)

// xDaticert mirrors daticert.xml. Tags carry no namespace, so elements match
// whatever namespace a provider writes.
type xDaticert struct {
	XMLName      xml.Name
	Tipo         string `xml:"tipo,attr"`
	Errore       string `xml:"errore,attr"`
	Intestazione struct {
		Mittente    string `xml:"mittente"`
		Destinatari []struct {
			Tipo    string `xml:"tipo,attr"`
			Address string `xml:",chardata"`
		} `xml:"destinatari"`
		Risposte string `xml:"risposte"`
		Oggetto  string `xml:"oggetto"`
	} `xml:"intestazione"`
	Dati struct {
		GestoreEmittente string `xml:"gestore-emittente"`
		Data             struct {
			Zona   string `xml:"zona,attr"`
			Giorno string `xml:"giorno"`
			Ora    string `xml:"ora"`
		} `xml:"data"`
		Identificativo string `xml:"identificativo"`
		MsgID          string `xml:"msgid"`
		Ricevuta       struct {
			Tipo string `xml:"tipo,attr"`
		} `xml:"ricevuta"`
		Consegna     string `xml:"consegna"`
		ErroreEsteso string `xml:"errore-esteso"`
	} `xml:"dati"`
}

// parseDaticert reads daticert.xml. converted says the bytes are already
// UTF-8 whatever the XML declaration claims (a text/xml part with a charset).
func parseDaticert(data []byte, converted bool) (*Daticert, error) {
	var x xDaticert
	if err := unmarshalXML(data, converted, &x); err != nil {
		return nil, err
	}
	if x.XMLName.Local != "postacert" {
		return nil, errNotRoot("postacert", x.XMLName.Local)
	}
	d := &Daticert{
		Tipo:             lowerTrim(x.Tipo),
		Errore:           lowerTrim(x.Errore),
		Mittente:         addrOnly(x.Intestazione.Mittente),
		Risposte:         addrOnly(x.Intestazione.Risposte),
		Oggetto:          cleanHeaderText(x.Intestazione.Oggetto),
		GestoreEmittente: cleanHeaderText(x.Dati.GestoreEmittente),
		Giorno:           cleanHeaderText(x.Dati.Data.Giorno),
		Ora:              cleanHeaderText(x.Dati.Data.Ora),
		Zona:             cleanHeaderText(x.Dati.Data.Zona),
		Identificativo:   cleanHeaderText(x.Dati.Identificativo),
		MsgID:            trimMsgID(x.Dati.MsgID),
		Ricevuta:         lowerTrim(x.Dati.Ricevuta.Tipo),
		Consegna:         addrOnly(x.Dati.Consegna),
		ErroreEsteso:     cleanHeaderText(x.Dati.ErroreEsteso),
	}
	for _, r := range x.Intestazione.Destinatari {
		d.Destinatari = append(d.Destinatari, Recipient{Address: addrOnly(r.Address), Tipo: lowerTrim(r.Tipo)})
	}
	d.Time = daticertTime(d.Giorno, d.Ora, d.Zona)
	return d, nil
}

// daticertTime combines giorno dd/MM/yyyy, ora HH:mm:ss and zona ±hhmm;
// a missing zona is read as Italian time.
func daticertTime(giorno, ora, zona string) time.Time {
	if giorno == "" {
		return time.Time{}
	}
	if ora == "" {
		ora = "00:00:00"
	}
	if zona != "" {
		if t, err := time.Parse("02/01/2006 15:04:05 -0700", giorno+" "+ora+" "+zona); err == nil {
			return t
		}
	}
	if t, err := time.ParseInLocation("02/01/2006 15:04:05", giorno+" "+ora, romeZone()); err == nil {
		return t
	}
	return time.Time{}
}

// unmarshalXML decodes an XML document into v: UTF-8 BOM skipped, declared
// encodings (ISO-8859-1…) converted, no entities beyond the predefined ones.
func unmarshalXML(data []byte, converted bool, v any) error {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = func(label string, input io.Reader) (io.Reader, error) {
		if converted {
			return input, nil
		}
		return charset.Reader(label, input)
	}
	return dec.Decode(v)
}

type rootError struct{ want, got string }

func (e rootError) Error() string {
	return "elemento radice <" + e.got + ">, atteso <" + e.want + ">"
}

func errNotRoot(want, got string) error { return rootError{want, got} }

// xmlRoot returns the local name of the first element of an XML document, or
// "" when the bytes do not start like one. It reads only the start.
func xmlRoot(data []byte) string {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(data) > 4096 {
		data = data[:4096]
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = func(label string, input io.Reader) (io.Reader, error) { return input, nil }
	dec.Strict = false
	for i := 0; i < 64; i++ {
		tok, err := dec.RawToken()
		if err != nil {
			return ""
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local
		}
	}
	return ""
}

func lowerTrim(s string) string { return strings.ToLower(cleanHeaderText(s)) }
