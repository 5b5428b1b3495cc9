package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"vivipass/service"
)

// SeqHeader carries, with the full list, the feed's sequence of the same snapshot: a
// gate follows /v1/whitelist/changes from there.
const SeqHeader = "X-Vivipass-Sequenza"

// changes is GET /v1/whitelist/changes?since=SEQ[&max=N]: the whitelist's changes after
// SEQ (issue 13.1; docs/API.md). 410 when SEQ is older than what is kept.
func (s *Server) changes(c *call) {
	if !c.only("since", "max") {
		return
	}
	raw, ok := c.params["since"]
	since, err := strconv.ParseUint(raw, 10, 64)
	if !ok || err != nil {
		c.fail(http.StatusBadRequest, fmt.Sprintf("since %q non valido: il numero dell'ultima modifica ricevuta (l'intestazione %s della lista completa)", cut(raw, 20), SeqHeader))
		return
	}
	max := service.MaxFeedPage
	if v, ok := c.params["max"]; ok {
		if max, err = strconv.Atoi(v); err != nil || max < 1 || max > service.MaxFeedPage {
			c.fail(http.StatusBadRequest, fmt.Sprintf("max %q non valido: da 1 a %d", cut(v, 20), service.MaxFeedPage))
			return
		}
	}
	c.entry.Subject = "dal " + strconv.FormatUint(since, 10)
	pg, err := s.svc.WhitelistChanges(since, max)
	switch {
	case errors.Is(err, service.ErrFeedGone):
		c.fail(http.StatusGone, "le modifiche dalla "+strconv.FormatUint(since, 10)+" non sono più disponibili: scaricare di nuovo /v1/whitelist.csv e proseguire dalla sua sequenza")
		return
	case err != nil:
		c.fail(http.StatusBadRequest, err.Error())
		return
	}
	c.w.Header().Set(SeqHeader, strconv.FormatUint(pg.Head, 10))
	c.json(http.StatusOK, pg, fmt.Sprintf("%d modifiche, ultima %d", len(pg.Changes), pg.Head))
}
