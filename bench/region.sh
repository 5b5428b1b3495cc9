#!/usr/bin/env bash
# Region-sized register against sqlite3 on the same CSV (issue 14.6): import, peak
# memory, file size, verification, and the CLI's search and whitelist check as a process
# start; then the in-process search and whitelist percentiles (bench/regionbench).
#
# Usage: bash bench/region.sh [PASSES] [RUNS]   (default 120000 passes, 3 runs)
#        make bench-big                         (480000 passes)
#
# Honest figures: sqlite3 is measured with the usual script (table, .import, then the
# five indexes) and with indexes created before the .import (the slower way); the runs
# alternate (vivipass, sqlite after, sqlite before, vivipass, …) so that a change of the
# machine's load falls on all of them; each figure is the median of RUNS, with min–max,
# and the load average is printed before and after.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-120000}
RUNS=${2:-3}
OUT=bench/out
mkdir -p "$OUT"
CSV=$OUT/region-$N.csv
DB=$OUT/region-$N.db
SQ=$OUT/region-$N.sqlite
TMP=$(mktemp -d "$OUT/.region-XXXXXX")
trap 'rm -rf "$TMP"' EXIT

command -v sqlite3 >/dev/null || { echo "bench: sqlite3 is needed (apt-get install sqlite3)"; exit 1; }
CGO_ENABLED=0 go build -ldflags='-s -w' -tags lean -o "$OUT/vivipass" ./cmd/vivipass # as make build's bin/vivipass
CGO_ENABLED=0 go build -ldflags='-s -w' -o "$OUT/vivipass-completo" ./cmd/vivipass # the full program beside it, for init, import, store verify
go build -o "$OUT/genregion" ./bench/genregion
go build -o "$OUT/regionbench" ./bench/regionbench
CGO_ENABLED=0 go build -o "$OUT/gostart" ./bench/gostart
go build -o "$OUT/cmdtime" ./bench/cmdtime

[ -f "$CSV" ] || "$OUT/genregion" -passes "$N" -out "$CSV" >/dev/null
echo "== region file: $CSV ($(du -h "$CSV" | cut -f1), $N passes); $RUNS runs each, alternating"
echo "   carico all'inizio: $(cut -d' ' -f1-3 /proc/loadavg) (load average 1, 5, 15 min; $(nproc) CPU)"

cols=$(head -1 "$CSV" | tr -d '\r' | sed 's/;/ TEXT, /g; s/$/ TEXT/')
INDEXES="CREATE INDEX i_cf ON pass(codice_fiscale);
CREATE INDEX i_num ON pass(numero_pass);
CREATE INDEX i_name ON pass(cognome, nome);
CREATE INDEX i_plate ON pass(targa_1);
CREATE INDEX i_exp ON pass(data_scadenza);"

# timed FILE CMD…: runs CMD under /usr/bin/time, appends "seconds peak-KB" to FILE.
timed() {
	local f=$1
	shift
	/usr/bin/time -f "%e %M" -o "$TMP/t" "$@" >"$TMP/out" 2>"$TMP/err" || {
		cat "$TMP/out" "$TMP/err"
		echo "bench: $* failed"
		exit 1
	}
	cat "$TMP/t" >>"$f"
}

sqlite_after() { # the usual way: load, then index
	rm -f "$1"
	sqlite3 "$1" <<SQL
CREATE TABLE pass ($cols);
.mode csv
.separator ";"
.import --skip 1 $CSV pass
$INDEXES
SQL
}

sqlite_before() { # indexes first: every row updates five indexes
	rm -f "$1"
	sqlite3 "$1" <<SQL
CREATE TABLE pass ($cols);
$INDEXES
.mode csv
.separator ";"
.import --skip 1 $CSV pass
SQL
}

export -f sqlite_after sqlite_before
export CSV cols INDEXES

# stats FILE [COLUMN]: "median (min–max)" of a column (1 = seconds, 2 = KB).
stats() {
	awk -v c="${2:-1}" '{print $c}' "$1" | sort -g | awk '{a[NR]=$1} END {
		m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2
		printf "%g (%g–%g)", m, a[1], a[NR] }'
}
median() { awk -v c="${2:-1}" '{print $c}' "$1" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
ratio() { printf "%.2f" "$(echo "scale=4; $1 / $2" | bc)"; }

# --- import -----------------------------------------------------------------------
for r in $(seq "$RUNS"); do
	rm -f "$TMP/v.db"
	"$OUT/vivipass" init --db "$TMP/v.db" --comune L736 >/dev/null
	timed "$TMP/imp" "$OUT/vivipass" import --db "$TMP/v.db" "$CSV"
	tail -1 "$TMP/out" >"$TMP/import-report"
	timed "$TMP/sqa" bash -c "sqlite_after $TMP/a.sqlite"
	timed "$TMP/sqb" bash -c "sqlite_before $TMP/b.sqlite"
done
cat "$TMP/import-report"
imp=$(median "$TMP/imp")
sqa=$(median "$TMP/sqa")
sqb=$(median "$TMP/sqb")
echo "== import ($RUNS corse alternate, secondi: mediana (min–max))"
echo "   sqlite3, indici dopo .import (il modo usuale): $(stats "$TMP/sqa") s"
echo "   sqlite3, indici prima di .import:              $(stats "$TMP/sqb") s"
echo "   vivipass import:                               $(stats "$TMP/imp") s = $(ratio "$imp" "$sqa")× sqlite3 indici dopo (obiettivo ≤ 2,5×), $(ratio "$imp" "$sqb")× indici prima"
echo "   picco RSS vivipass import: $(awk '{print int($2/1024)}' "$TMP/imp" | sort -n | awk '{a[NR]=$1} END {printf "%d MB (%d–%d)", a[int((NR+1)/2)], a[1], a[NR]}') (obiettivo ≤ 150 MB); sqlite3: $(median "$TMP/sqa" 2 | awk '{print int($1/1024)}') MB"
mv "$TMP/v.db" "$DB"
mv "$TMP/a.sqlite" "$SQ"
size=$(stat -c %s "$DB")
sqsize=$(stat -c %s "$SQ")
echo "== file: vivipass $((size / 1048576)) MB = $((size / N)) byte per contrassegno (obiettivo ≤ 800); sqlite3 $((sqsize / 1048576)) MB = $((sqsize / N)) byte ($(ratio "$size" "$sqsize")×)"

# --- verification -----------------------------------------------------------------
for r in $(seq "$RUNS"); do
	timed "$TMP/ver" "$OUT/vivipass" store verify --db "$DB"
	timed "$TMP/sqi" sqlite3 "$SQ" "pragma integrity_check"
done
echo "== verifica: vivipass store verify $(stats "$TMP/ver") s, picco RSS $(median "$TMP/ver" 2 | awk '{print int($1/1024)}') MB;" \
	"sqlite3 pragma integrity_check $(stats "$TMP/sqi") s: $(ratio "$(median "$TMP/ver")" "$(median "$TMP/sqi")")× (obiettivo ≤ 3×, ≤ 100 MB)"

# --- a CLI start: search by codice fiscale, whitelist check ---------------------------
# The same indexed lookups, one process each, alternating, 31 runs (milliseconds).
cf=$(awk -F';' 'NR==1000 {print $1}' "$CSV")
plate=$(awk -F';' 'NR>1000 && $18!="" {print $18; exit}' "$CSV")
"$OUT/vivipass" search --db "$DB" "$cf" >/dev/null
"$OUT/vivipass" whitelist check --db "$DB" "$plate" >/dev/null || [ $? -eq 3 ]
# bench/cmdtime starts each command with Go's vfork and exec, the least a harness adds
# to both sides (a shell's fork and, until #14's last session, two `date` processes
# around each run made the ratio look smaller than it is).
"$OUT/cmdtime" -n 31 -- "$OUT/vivipass" search --db "$DB" "$cf" \
	-- sqlite3 "$SQ" "select * from pass where codice_fiscale='$cf'" \
	-- "$OUT/vivipass" whitelist check --db "$DB" "$plate" \
	-- sqlite3 "$SQ" "select * from pass where targa_1='$plate'" \
	-- "$OUT/vivipass" aiuto -- "$OUT/gostart" >"$TMP/cmd"
line() { sed -n "$1p" "$TMP/cmd" | awk '{printf "%s (%s–%s)", $1, $2, $3}'; }
med() { sed -n "$1p" "$TMP/cmd" | cut -d' ' -f1; }
echo "== un comando, dall'avvio del processo (31 corse alternate, ms: mediana (min–max))"
echo "   vivipass search CF:         $(line 1) ms; sqlite3 stessa ricerca indicizzata $(line 2) ms: $(ratio "$(med 1)" "$(med 2)")× (obiettivo ≤ 2×)"
echo "   vivipass whitelist check:   $(line 3) ms; sqlite3 per targa_1 $(line 4) ms: $(ratio "$(med 3)" "$(med 4)")× (obiettivo ≤ 2×)"
echo "   dove va il tempo: un programma Go che non fa nulla $(line 6) ms; vivipass aiuto (avvio, nessun registro) $(line 5) ms"

# --- in-process latencies ---------------------------------------------------------------
"$OUT/regionbench" -db "$DB" -csv "$CSV"
echo "   carico alla fine: $(cut -d' ' -f1-3 /proc/loadavg)"
