#!/usr/bin/env bash
# PEC inbox: a cold sync of N viviVeneto requests from Dovecot on loopback (TLS), by
# `vivipass pec sync --once` and by mbsync (isync) pulling the same mailbox into a
# Maildir, in the same run (target: vivipass within 1.5× mbsync); and the parser's
# throughput on the shared sample corpus (issue "The PEC inbox").
# Dovecot and mbsync are configured as in ../shared/design/libraries.md §9.
# Usage: bash bench/pec.sh [N]   (default 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
RUNS=3
OUT=bench/out
mkdir -p "$OUT"
for b in dovecot doveadm mbsync openssl; do
  command -v "$b" >/dev/null || { echo "bench: $b is needed (.ci/run installs dovecot-imapd and isync)"; exit 1; }
done
CGO_ENABLED=0 go build -ldflags='-s -w' -o "$OUT/vivipass" ./cmd/vivipass # as make build
go build -o "$OUT/pecgen" ./bench/pecgen

D=$(mktemp -d /tmp/vivipass-pecbench-XXXXXX)
chmod 755 "$D"
stop() {
  if [ -f "$D/run/master.pid" ]; then
    doveadm -c "$D/dovecot.conf" kick desk >/dev/null 2>&1 || true
    doveadm -c "$D/dovecot.conf" stop >/dev/null 2>&1 || kill "$(cat "$D/run/master.pid")" 2>/dev/null || true
  fi
  rm -rf "$D"
}
trap stop EXIT

freeport() {
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
PLAIN=$(freeport)
TLS=$(freeport)
while [ "$TLS" = "$PLAIN" ]; do TLS=$(freeport); done

mkdir -p "$D/run" "$D/state" "$D/home"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -keyout "$D/key.pem" -out "$D/cert.pem" -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
echo 'desk:{PLAIN}segreta::::::' >"$D/users"
if [ "$(id -u)" = 0 ]; then
  id vmail >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin vmail
  chown vmail:vmail "$D/home"
  USERDB="userdb {
  driver = passwd-file
  args = username_format=%u $D/users
  default_fields = uid=vmail gid=vmail home=$D/home/%u
}"
  EXTRA=""
  CHROOT=""
else
  me=$(id -un)
  USERDB="userdb {
  driver = static
  args = home=$D/home/%u
}"
  EXTRA="default_login_user = $me
default_internal_user = $me
default_internal_group = $(id -gn)
service anvil {
  chroot =
}"
  CHROOT="  chroot ="
fi
cat >"$D/dovecot.conf" <<CONF
protocols = imap
listen = 127.0.0.1
base_dir = $D/run
state_dir = $D/state
log_path = $D/dovecot.log
ssl = yes
ssl_cert = <$D/cert.pem
ssl_key = <$D/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $D/users
}
$USERDB
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  separator = /
}
$EXTRA
service imap-login {
$CHROOT
  inet_listener imap {
    port = $PLAIN
  }
  inet_listener imaps {
    port = $TLS
    ssl = yes
  }
}
CONF
dovecot -c "$D/dovecot.conf" >/dev/null 2>&1 </dev/null
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$TLS") 2>/dev/null && break; sleep 0.1; done

"$OUT/pecgen" -n "$N" -out "$D/msgs"
ls "$D/msgs"/*.eml | xargs -P 4 -I{} sh -c 'doveadm -c "$1/dovecot.conf" save -u desk -m INBOX <"$2"' _ "$D" {}
count=$(doveadm -c "$D/dovecot.conf" mailbox status -u desk messages INBOX | sed 's/.*messages=//')
size=$(du -sh "$D/msgs" | cut -f1)
echo "== mailbox: $count requests ($size) in Dovecot $(dovecot --version | cut -d' ' -f1), IMAPS on 127.0.0.1:$TLS"

echo -n segreta >"$D/password"
chmod 600 "$D/password" # a password file others can read is refused
cat >"$D/mbsyncrc" <<RC
IMAPAccount desk
Host localhost
Port $TLS
User desk
Pass segreta
SSLType IMAPS
CertificateFile $D/cert.pem
AuthMechs LOGIN

IMAPStore desk-remote
Account desk

MaildirStore desk-local
Path $D/local/
Inbox $D/local/INBOX
SubFolders Verbatim

Channel desk
Far :desk-remote:
Near :desk-local:
Patterns INBOX
Create Near
Sync Pull
SyncState *
RC

now() { date +%s.%N; }
vp_times=()
mb_times=()
for run in $(seq "$RUNS"); do
  DB="$D/vivipass-$run.db"
  "$OUT/vivipass" init --db "$DB" --comune L736 >/dev/null
  "$OUT/vivipass" pec configure --db "$DB" --comune L736 --host localhost --port "$TLS" --user desk \
    --password-file "$D/password" --security tls --ca-file "$D/cert.pem" >/dev/null
  t0=$(now)
  "$OUT/vivipass" pec sync --once --db "$DB" >"$D/sync.txt"
  t1=$(now)
  vp_times+=("$(echo "$t1 - $t0" | bc)")
  got=$("$OUT/vivipass" pec list --json --db "$DB" | grep -c '"kind": "request"')
  [ "$got" = "$N" ] || { echo "bench: vivipass stored $got requests, want $N"; cat "$D/sync.txt"; exit 1; }

  rm -rf "$D/local"
  mkdir -p "$D/local"
  t0=$(now)
  mbsync -c "$D/mbsyncrc" -q desk
  t1=$(now)
  mb_times+=("$(echo "$t1 - $t0" | bc)")
  got=$(find "$D/local/INBOX/cur" "$D/local/INBOX/new" -type f | wc -l)
  [ "$got" = "$N" ] || { echo "bench: mbsync pulled $got messages, want $N"; exit 1; }
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
vp=$(median "${vp_times[@]}")
mb=$(median "${mb_times[@]}")
echo "vivipass pec sync --once (cold: new database, $N messages fetched, parsed, stored, marked): runs ${vp_times[*]} s, median ${vp} s ($(echo "scale=0; $N / $vp" | bc) msg/s)"
echo "mbsync pull into a Maildir (cold: empty Maildir): runs ${mb_times[*]} s, median ${mb} s ($(echo "scale=0; $N / $mb" | bc) msg/s)"
echo "vivipass / mbsync: $(echo "scale=2; $vp / $mb" | bc)× (target ≤ 1.5×)"
"$OUT/vivipass" store verify --db "$DB" >/dev/null

go test -run '^$' -bench 'BenchmarkParseCorpus$' -benchtime 20000x ./pec/parse/ |
  awk '/msgs\/s/ { for (i = 1; i <= NF; i++) if ($(i+1) == "msgs/s") printf "parse throughput of the sample corpus: %s msgs/s (%s ns/msg)\n", $i, $3 }'
