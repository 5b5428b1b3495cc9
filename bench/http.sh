#!/usr/bin/env bash
# The HTTP read side on the region-sized register (issue 13, "Speed"): plate checks
# against a bare net/http handler answering a constant, side by side with wrk on
# loopback (plain HTTP: both servers on 127.0.0.1, no TLS), 64 connections, rounds
# A B A B (bare, vivipass) of DUR seconds; the full list (cold and cached, plain and
# gzip); a gate catching up 10,000 changes of the feed; the server's memory.
# Targets: plate checks >= 50 % of the bare handler's requests/s, p99 <= 5 ms; the
# full list <= 1 s; catching up 10,000 changes <= 100 ms.
# Usage: bash bench/http.sh [PASSES]   (default 120000; ROUNDS=3 DUR=10 CONNS=64)
# Needs wrk (Debian: apt-get install wrk) and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-120000}
ROUNDS=${ROUNDS:-3}
DUR=${DUR:-10}
CONNS=${CONNS:-64}
PORT=${PORT:-28413}
BARE_PORT=${BARE_PORT:-28414}
OUT=bench/out
mkdir -p "$OUT"
for tool in wrk curl; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is needed (Debian: apt-get install $tool)"; exit 1; }
done
CSV=$OUT/region-$N.csv
REGION=$OUT/region-$N.db
DB=$OUT/http-region-$N.db

CGO_ENABLED=0 go build -ldflags='-s -w' -o "$OUT/vivipass" ./cmd/vivipass # as make build
go build -o "$OUT/httpbench" ./bench/httpbench
if [ ! -f "$REGION" ]; then # bench/region.sh makes the same file (and compares it with sqlite3)
	go build -o "$OUT/genregion" ./bench/genregion
	[ -f "$CSV" ] || "$OUT/genregion" -passes "$N" -out "$CSV" >/dev/null
	"$OUT/vivipass" init --db "$REGION" --comune L736 >/dev/null
	"$OUT/vivipass" import --db "$REGION" "$CSV" | tail -1
fi
echo "== uptime at start: $(uptime)"
# A copy of the register with 10,000 changes (suspensions, one transaction each) for
# the feed, 64 gate clients (a token is limited to 1000 requests/s; wrk rotates their
# tokens) and the plates wrk asks about; kept for the next run (FRESH=1 makes it anew).
if [ "${FRESH:-0}" = 1 ] || [ ! -s "$OUT/http-since.txt" ] || [ "$OUT/http-since.txt" -ot "$REGION" ]; then
	rm -f "$OUT/http-since.txt"
	cp "$REGION" "$DB"
	"$OUT/httpbench" prep -db "$DB" -changes 10000 -plates "$OUT/http-plates.txt" -tokens "$OUT/http-tokens.txt" -gates 64 >"$OUT/http-since.tmp"
	mv "$OUT/http-since.tmp" "$OUT/http-since.txt"
fi
SINCE=$(cat "$OUT/http-since.txt")
TOKEN=$(head -1 "$OUT/http-tokens.txt")

"$OUT/vivipass" serve --db "$DB" --ssh 127.0.0.1:0 --http "127.0.0.1:$PORT" >"$OUT/http-serve.log" 2>&1 &
SERVE=$!
"$OUT/httpbench" bare "127.0.0.1:$BARE_PORT" &
BARE=$!
trap 'kill $SERVE $BARE 2>/dev/null; wait $SERVE $BARE 2>/dev/null || true' EXIT
API=http://127.0.0.1:$PORT
for _ in $(seq 100); do
	curl -s -o /dev/null "$API/v1/" && curl -s -o /dev/null "http://127.0.0.1:$BARE_PORT/" && break
	sleep 0.2
done
mem() { awk '/VmHWM|VmRSS/ {printf "%s %d MB  ", $1, $2/1024}' "/proc/$SERVE/status"; }
cpu() { awk '{print ($14 + $15) / 100}' "/proc/$SERVE/stat"; } # the server's CPU seconds so far (user + system)
echo "server after start: $(mem)"

# stats: "median (min–max)" of the numbers on stdin.
stats() { sort -g | awk '{v[NR]=$1} END {m = NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; printf "%g (%g–%g)", m, v[1], v[NR]}'; }

echo "== full list, GET /v1/whitelist.csv (curl, seconds)"
get() { curl -s -o /dev/null -w '%{time_total} %{size_download} %{http_code}\n' -H "Authorization: Bearer $TOKEN" "$@" "$API/v1/whitelist.csv"; }
c0=$(cpu)
read -r t size code < <(get)
c1=$(cpu)
[ "$code" = 200 ] || { echo "bench: whitelist.csv answered $code"; exit 1; }
rows=$(curl -s -H "Authorization: Bearer $TOKEN" "$API/v1/whitelist.csv" | wc -l)
echo "plain, first after start (built): $t s (server CPU $(echo "$c1 - $c0" | bc) s), $((size / 1024)) KB, $((rows - 1)) plates"
echo "plain, cached: $(for _ in 1 2 3 4 5; do get | cut -d' ' -f1; done | stats) s"
# After a change of the register (a client added through the server's socket), the
# next request builds the list again.
for i in 1 2 3; do
	"$OUT/vivipass" client add --db "$DB" --name "bench-r$(date +%s%N | cut -c8-16)" --kind gate --circuito >/dev/null
	c0=$(cpu)
	read -r t _ _ < <(get)
	c1=$(cpu)
	echo "$t $(echo "$c1 - $c0" | bc)" >>"$OUT/http-rebuilt.tmp"
done
echo "plain, rebuilt after a change: $(cut -d' ' -f1 "$OUT/http-rebuilt.tmp" | stats) s (server CPU $(cut -d' ' -f2 "$OUT/http-rebuilt.tmp" | stats) s)"
rm -f "$OUT/http-rebuilt.tmp"
read -r t size code < <(get -H 'Accept-Encoding: gzip')
echo "gzip, first (compressed): $t s, $((size / 1024)) KB"
echo "gzip, cached: $(for _ in 1 2 3 4 5; do get -H 'Accept-Encoding: gzip' | cut -d' ' -f1; done | stats) s"
echo "server: $(mem)"

echo "== a gate catching up 10,000 changes (GET /v1/whitelist/changes?since=$SINCE until caught up)"
"$OUT/httpbench" catchup -url "$API" -token "$TOKEN" -since "$SINCE" -runs 5 >"$OUT/http-catchup.txt"
read -r _ changes pages size <"$OUT/http-catchup.txt"
echo "$changes changes in $pages page(s), $((size / 1024)) KB: $(cut -d' ' -f1 "$OUT/http-catchup.txt" | stats) ms"
echo "server: $(mem)"

echo "== plate checks, wrk -t2 -c$CONNS -d${DUR}s, GET /v1/targhe/{targa} ($(wc -l <"$OUT/http-plates.txt") plates and 64 tokens rotating) vs the bare handler"
run() { # name url: one wrk run; appends "rps p99ms non2xx" to $OUT/http-wrk-name.txt
	wrk -t2 -c"$CONNS" -d"${DUR}s" --latency -s bench/http.lua "$2" -- "$OUT/http-plates.txt" "$OUT/http-tokens.txt" >"$OUT/http-wrk.last"
	awk -v name="$1" '
		/^ +99%/ { v = $2; if (v ~ /us$/) p = v / 1000; else if (v ~ /ms$/) p = v + 0; else if (v ~ /s$/) p = v * 1000 }
		/^Requests\/sec/ { r = $2 }
		/Non-2xx/ { bad = $NF }
		END { printf "%s %.3f %d\n", r, p, bad + 0 }' "$OUT/http-wrk.last" >>"$OUT/http-wrk-$1.txt"
}
rm -f "$OUT"/http-wrk-*.txt "$OUT/http-rss.txt"
for r in $(seq "$ROUNDS"); do
	run bare "http://127.0.0.1:$BARE_PORT"
	( sleep $((DUR / 2)); awk '/VmRSS/ {print $2/1024}' "/proc/$SERVE/status" >>"$OUT/http-rss.txt" ) &
	run vivipass "$API"
	wait $!
	echo "round $r: bare $(tail -1 "$OUT/http-wrk-bare.txt" | cut -d' ' -f1-2) | vivipass $(tail -1 "$OUT/http-wrk-vivipass.txt") (req/s, p99 ms, non-2xx)"
done
b=$(cut -d' ' -f1 "$OUT/http-wrk-bare.txt" | stats)
v=$(cut -d' ' -f1 "$OUT/http-wrk-vivipass.txt" | stats)
ratio=$(paste -d' ' "$OUT/http-wrk-bare.txt" "$OUT/http-wrk-vivipass.txt" | awk '{print 100 * $4 / $1}' | stats)
echo "bare handler: $b req/s, p99 $(cut -d' ' -f2 "$OUT/http-wrk-bare.txt" | stats) ms"
echo "plate checks: $v req/s, p99 $(cut -d' ' -f2 "$OUT/http-wrk-vivipass.txt" | stats) ms (target <= 5 ms), non-2xx $(cut -d' ' -f3 "$OUT/http-wrk-vivipass.txt" | paste -sd+ | bc)"
echo "plate checks / bare handler, per round: $ratio % (target >= 50 %)"
echo "server RSS during the plate checks: $(stats <"$OUT/http-rss.txt") MB; after: $(mem)"
# 64 connections in a closed loop saturate both; the latency at a load that does not:
CONNS=8 run bare-c8 "http://127.0.0.1:$BARE_PORT"
CONNS=8 run vivipass-c8 "$API"
echo "at 8 connections: bare $(cut -d' ' -f1-2 "$OUT/http-wrk-bare-c8.txt"), plate checks $(cut -d' ' -f1-2 "$OUT/http-wrk-vivipass-c8.txt") (req/s, p99 ms)"
echo "== uptime at end: $(uptime)"
