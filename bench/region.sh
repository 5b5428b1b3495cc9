#!/usr/bin/env bash
# Region-sized register: import speed against sqlite3 on the same CSV, peak memory,
# database size, and search / whitelist latency percentiles (issue "The pass register").
# Usage: bash bench/region.sh [PASSES]   (default 120000)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-120000}
OUT=bench/out
mkdir -p "$OUT"
CSV=$OUT/region-$N.csv
DB=$OUT/region-$N.db
SQ=$OUT/region-$N.sqlite

command -v sqlite3 >/dev/null || { echo "bench: sqlite3 is needed (apt-get install sqlite3)"; exit 1; }
go build -o "$OUT/vivipass" ./cmd/vivipass
go build -o "$OUT/genregion" ./bench/genregion
go build -o "$OUT/regionbench" ./bench/regionbench

[ -f "$CSV" ] || "$OUT/genregion" -passes "$N" -out "$CSV" >/dev/null
rows=$(($(wc -l <"$CSV")))
echo "== region file: $CSV ($(du -h "$CSV" | cut -f1), ~$rows lines)"

# sqlite3 baseline: one table with the template's columns and five indexes, .import.
cols=$(head -1 "$CSV" | tr -d '\r' | sed 's/;/ TEXT, /g; s/$/ TEXT/')
rm -f "$SQ"
sqlite3 "$SQ" "CREATE TABLE pass ($cols);
CREATE INDEX i_cf ON pass(codice_fiscale);
CREATE INDEX i_num ON pass(numero_pass);
CREATE INDEX i_name ON pass(cognome, nome);
CREATE INDEX i_plate ON pass(targa_1);
CREATE INDEX i_exp ON pass(data_scadenza);"
t0=$(date +%s.%N)
sqlite3 "$SQ" <<SQL
.mode csv
.separator ";"
.import --skip 1 $CSV pass
SQL
t1=$(date +%s.%N)
sq=$(echo "$t1 - $t0" | bc)
echo "sqlite3 .import (5 indexes): ${sq} s, $(sqlite3 "$SQ" 'select count(*) from pass') rows"

rm -f "$DB"
"$OUT/vivipass" init --db "$DB" --comune L736 >/dev/null
/usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$OUT/vivipass" import --db "$DB" "$CSV" >"$OUT/import.txt"
read -r vt vmem <"$OUT/time.txt"
tail -1 "$OUT/import.txt"
ratio=$(echo "scale=2; $vt / $sq" | bc)
echo "vivipass import: ${vt} s (${ratio}× sqlite3; target ≤ 3×), peak RSS $((vmem / 1024)) MB (target ≤ 300 MB)"
echo "database file after import: $(du -h "$DB" | cut -f1) ($(stat -c %s "$DB") bytes)"
"$OUT/vivipass" store verify --db "$DB"

"$OUT/regionbench" -db "$DB" -csv "$CSV"
