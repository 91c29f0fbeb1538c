# Sourced by .ci/run: a private PostgreSQL for the meter's shared-store tests,
# on a free loopback port, in a temporary folder, stopped when the run ends.
# Installs Debian's postgresql package when the server binaries are missing.
# The server offers TLS too (a self-signed certificate made here), so the
# benchmark can weigh sslmode=require against disable on one server; the
# meter's TLS tests start servers of their own with a CA they make.
# Sets METER_POSTGRES_URL (a role the server trusts), and
# METER_POSTGRES_PASSWORD_URL with METER_POSTGRES_PASSWORD (a role that must
# give its password, for the tests of the password file).

postgres_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

start_postgres() {
  local bin
  bin=$(postgres_bin)
  if [[ -z $bin || ! -x $bin/initdb ]]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bin=$(postgres_bin)
  fi
  PG_DIR=$(mktemp -d /tmp/meter-postgres.XXXXXX)
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # initdb refuses to run as root: the package's postgres user owns the cluster.
  local as=()
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres "$PG_DIR"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bin/initdb" --pgdata "$PG_DIR/data" --username meter --auth trust --encoding UTF8 --no-sync >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log"; return 1; }
  # One role logs in only with its password (scram-sha-256); every other is trusted.
  { echo "host all meter_secret 127.0.0.1/32 scram-sha-256"; cat "$PG_DIR/data/pg_hba.conf"; } >"$PG_DIR/pg_hba.conf"
  cp "$PG_DIR/pg_hba.conf" "$PG_DIR/data/pg_hba.conf"
  command -v openssl >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null; }
  openssl req -new -x509 -days 7 -nodes -subj /CN=localhost -keyout "$PG_DIR/server.key" -out "$PG_DIR/server.crt" >/dev/null 2>&1 \
    || { echo "could not make the server's certificate" >&2; return 1; }
  chmod 600 "$PG_DIR/server.key"
  if [[ $(id -u) -eq 0 ]]; then chown postgres "$PG_DIR/server.key" "$PG_DIR/server.crt"; fi
  "${as[@]}" "$bin/pg_ctl" --pgdata "$PG_DIR/data" --log "$PG_DIR/server.log" --wait --timeout 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$PG_DIR -c max_connections=200 -c ssl=on -c ssl_cert_file=$PG_DIR/server.crt -c ssl_key_file=$PG_DIR/server.key" start >/dev/null \
    || { cat "$PG_DIR/server.log"; return 1; }
  PG_STOP=("${as[@]}" "$bin/pg_ctl" --pgdata "$PG_DIR/data" --mode fast --wait stop)
  export METER_POSTGRES_URL="postgres://meter@127.0.0.1:$port/postgres"
  export METER_POSTGRES_PASSWORD="pw-$RANDOM$RANDOM"
  export METER_POSTGRES_PASSWORD_URL="postgres://meter_secret@127.0.0.1:$port/postgres"
  "$bin/psql" "$METER_POSTGRES_URL" -qc "CREATE ROLE meter_secret LOGIN PASSWORD '$METER_POSTGRES_PASSWORD'" >/dev/null \
    || { echo "could not create the password role" >&2; return 1; }
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

stop_postgres() {
  if [[ -n ${PG_DIR:-} ]]; then
    "${PG_STOP[@]}" >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
    PG_DIR=
  fi
}
