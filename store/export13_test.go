package store

import "vivipass/domain"

// PlateValue is the value of the plate index key of pass p for plate number (issue 14.2).
func PlateValue(p *domain.Pass, number string) []byte { return plateValue(p, number) }
