package parse

import (
	"encoding/xml"
	"strings"
)

// IstanzaNamespace is the XML namespace of istanza.xml. Its absence is
// tolerated; another namespace is read but noted.
const IstanzaNamespace = "urn:viviveneto:istanza:1"

// rawRequest is a request as written, before any value is interpreted:
// istanza.xml and the text fallback both fill it, and one function
// (buildRequest) turns it into a Request, so the two sources are judged by
// the same rules.
type rawRequest struct {
	id, tipo, data            string
	comuneCode, comuneName    string
	cf, cognome, nome         string
	dataNascita               string
	luogoCode, luogoName      string
	resCode, resName          string
	email, cellulare          string
	hasPass                   bool
	numero, scadenza, passTip string
	motivo                    string
	plates                    []rawPlate
	inps                      string
	hasAllegati               bool
	allegati                  []rawAllegato
}

type rawPlate struct{ numero, op, dal, al string }

type rawAllegato struct{ tipo, nome string }

// usable reports whether there is enough to call it a request: a tipo or a
// codice fiscale. Anything less is not a request anyone can act on.
func (r *rawRequest) usable() bool {
	return strings.TrimSpace(r.tipo) != "" || strings.TrimSpace(r.cf) != ""
}

type xPlace struct {
	Code string `xml:"codice-catastale,attr"`
	Name string `xml:",chardata"`
}

type xIstanza struct {
	XMLName     xml.Name
	ID          string `xml:"id"`
	Tipo        string `xml:"tipo"`
	Data        string `xml:"data"`
	Comune      xPlace `xml:"comune"`
	Richiedente struct {
		CodiceFiscale string `xml:"codice-fiscale"`
		Cognome       string `xml:"cognome"`
		Nome          string `xml:"nome"`
		DataNascita   string `xml:"data-nascita"`
		LuogoNascita  xPlace `xml:"luogo-nascita"`
		Residenza     xPlace `xml:"residenza"`
		Email         string `xml:"email"`
		Cellulare     string `xml:"cellulare"`
	} `xml:"richiedente"`
	Contrassegno *struct {
		Numero   string `xml:"numero,attr"`
		Scadenza string `xml:"scadenza,attr"`
		Tipo     string `xml:"tipo,attr"`
	} `xml:"contrassegno"`
	Duplicato struct {
		Motivo string `xml:"motivo,attr"`
	} `xml:"duplicato"`
	Targhe struct {
		Targa []struct {
			Numero     string `xml:"numero,attr"`
			Operazione string `xml:"operazione,attr"`
			Dal        string `xml:"dal,attr"`
			Al         string `xml:"al,attr"`
		} `xml:"targa"`
	} `xml:"targhe"`
	VerificaINPS struct {
		Esito string `xml:"esito,attr"`
	} `xml:"verifica-inps"`
	Allegati *struct {
		Allegato []struct {
			Tipo string `xml:"tipo,attr"`
			Nome string `xml:"nome,attr"`
		} `xml:"allegato"`
	} `xml:"allegati"`
}

// parseIstanza reads istanza.xml. It returns an error for bytes that are not
// an istanza document; values inside are not judged here.
func parseIstanza(data []byte, converted bool) (*rawRequest, string, error) {
	var x xIstanza
	if err := unmarshalXML(data, converted, &x); err != nil {
		return nil, "", err
	}
	if x.XMLName.Local != "istanza" {
		return nil, "", errNotRoot("istanza", x.XMLName.Local)
	}
	r := &rawRequest{
		id:          x.ID,
		tipo:        x.Tipo,
		data:        x.Data,
		comuneCode:  x.Comune.Code,
		comuneName:  x.Comune.Name,
		cf:          x.Richiedente.CodiceFiscale,
		cognome:     x.Richiedente.Cognome,
		nome:        x.Richiedente.Nome,
		dataNascita: x.Richiedente.DataNascita,
		luogoCode:   x.Richiedente.LuogoNascita.Code,
		luogoName:   x.Richiedente.LuogoNascita.Name,
		resCode:     x.Richiedente.Residenza.Code,
		resName:     x.Richiedente.Residenza.Name,
		email:       x.Richiedente.Email,
		cellulare:   x.Richiedente.Cellulare,
		motivo:      x.Duplicato.Motivo,
		inps:        x.VerificaINPS.Esito,
	}
	if c := x.Contrassegno; c != nil {
		r.hasPass, r.numero, r.scadenza, r.passTip = true, c.Numero, c.Scadenza, c.Tipo
	}
	for _, t := range x.Targhe.Targa {
		r.plates = append(r.plates, rawPlate{numero: t.Numero, op: t.Operazione, dal: t.Dal, al: t.Al})
	}
	if a := x.Allegati; a != nil {
		r.hasAllegati = true
		for _, al := range a.Allegato {
			r.allegati = append(r.allegati, rawAllegato{tipo: al.Tipo, nome: al.Nome})
		}
	}
	return r, x.XMLName.Space, nil
}
