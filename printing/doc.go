// Package printing makes the PDFs of the counter and hands them to CUPS (S1–S9):
//
//   - the card (Card): only the variable data, printed on preprinted cardstock, placed by
//     a data-driven Layout (fields in millimetres, read from JSON: the default for
//     148×106 mm stock is embedded, a comune may store its own); three modes, fronte,
//     retro and fronte-retro (fronte first, then retro, as a duplex printer takes them);
//     per-printer calibration offsets (Offset) added to every field; a calibration page
//     (CalibrationPage) with rulers and crosshairs to measure those offsets;
//   - the signed QR payload (Payload, Sign, Verify: Ed25519) printed on the card, that
//     anyone with the public key checks offline (S9);
//   - document templates (Template, Parse, Module): text with #tags# for every field of
//     the pass and the person (Tags, the table docs/TEMPLATES.md is generated from), filled
//     into A4 letters with the comune's heading, word-wrapped, with page breaks;
//   - CUPS (Spooler): `lp` and `lpstat` run with exec and arguments (never a shell), the
//     job waited for and its outcome, CUPS errors in Italian.
//
// Geometry: every position is in millimetres from the top-left corner of the page. A
// text field's box starts at (X, Y): Y is the top of the line of text (the font's ascent
// line, just above accented capitals), so pdftotext -bbox reports the word at (X, Y).
// Text is drawn in pure black (CMYK 0/0/0/100) so it prints black whatever the printer's
// colour settings (S3).
//
// The package knows domain types but no storage: the service reads the register and the
// settings and hands plain values in. Nothing here keeps state between documents: every
// document is a new gopdf.GoPdf (a GoPdf holds one document's state).
package printing
