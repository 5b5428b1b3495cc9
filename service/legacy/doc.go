// Package legacy reads the import file of a comune's legacy register ("il pregresso",
// M1), made from the template described in ../shared/spec/legacy-csv.md, and checks it
// before anything is written.
//
// It is pure: bytes in, values out. No database, no clock (today is a parameter), no
// package-level mutable state. Parse gives the valid rows (Row, with domain values
// normalised), every error of every row (RowError: row, column, Italian message) and a
// *FileError when the file as a whole cannot be read. The checks against the register
// (numbers and active passes already there) and the writing are the importer's, in
// package service; the checks between rows of the same file are here.
//
// The pieces:
//   - columns.go: the template's columns (Columns, Template), the single source for the
//     README table, the CLI help and the example row;
//   - csv.go: encoding detection (UTF-8, UTF-8 with BOM, Windows-1252), separator
//     detection and a CSV reader that numbers rows as a spreadsheet shows them;
//   - parse.go: Parse, the header, the checks between rows;
//   - row.go: the checks of one row, run on several goroutines for region-sized files
//     (the result does not depend on their scheduling);
//   - fast.go: allocation-free fast paths for the commonest values (dates, plates,
//     numbers, already normalised names) that give exactly what the domain functions
//     give, or defer to them (tests compare both).
//
// Speed and memory, measured with `go run ./bench/genregion -check` and BenchmarkParse:
// a region (120,000 passes, 200,000 plates, 24 MB) parses in about 0.31-0.35 s on two
// cores and keeps about 90 MB (the rows themselves: domain.Person and domain.Plate
// values); the heap peaks about 150 MB above its start, most of the garbage coming from
// the codice fiscale checks of package domain.
package legacy
