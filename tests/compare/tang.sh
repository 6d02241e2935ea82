# shellcheck shell=bash
# tang.sh: tang on the host loopback for the comparison (sourced).
# Debian bookworm's tang 11 ships no daemon of its own: /usr/libexec/tangd
# answers one HTTP exchange on stdin/stdout and systemd's tangd.socket
# (Accept=true) starts one per connection with the socket as stdin/stdout.
# socat does the same with fork on the listener and nofork on EXEC (no relay
# process in between).
TANGD=${TANGD:-/usr/libexec/tangd}
TANG_PID=

# tang_start DIR PORT: fresh keys in DIR/db, serve on 127.0.0.1:PORT.
tang_start() {
	local dir=$1 port=$2
	[ -x "$TANGD" ] || { echo "compare: $TANGD missing (apt-get install tang)" >&2; return 1; }
	rm -rf "$dir/db" && mkdir -p "$dir/db"
	/usr/libexec/tangd-keygen "$dir/db" >/dev/null
	socat "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork,backlog=1024" \
		"EXEC:$TANGD $dir/db,nofork" 2>>"$dir/tang.log" &
	TANG_PID=$!
	for _ in $(seq 50); do
		curl -sf "http://127.0.0.1:$port/adv" >"$dir/adv.jws" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "compare: tang did not answer on 127.0.0.1:$port (see $dir/tang.log)" >&2
	return 1
}

tang_stop() {
	if [ -n "$TANG_PID" ]; then
		kill "$TANG_PID" 2>/dev/null
		wait "$TANG_PID" 2>/dev/null || true   # socat ends on SIGTERM
		TANG_PID=
	fi
}

# tang_rec_request DIR: the /rec exchange exactly as clevis-decrypt-tang
# builds it (a P-521 ECMR point: the binding's public key plus an ephemeral
# one), written to DIR/rec.json; prints the exchange key's id for /rec/KID.
tang_rec_request() {
	local dir=$1 f clt eph
	for f in "$dir"/db/*.jwk; do
		if jose fmt -j "$f" -g key_ops -A -o- | grep -q deriveKey; then
			clt=$(jose jwk gen -i '{"alg":"ECMR","crv":"P-521"}')
			eph=$(jose jwk gen -i '{"alg":"ECMR","crv":"P-521"}')
			jose jwk exc -i '{"alg":"ECMR"}' -l- -r- <<<"$clt$(jose jwk pub -i- <<<"$eph")" >"$dir/rec.json"
			jose jwk thp -i "$f" -a S256
			return 0
		fi
	done
	echo "compare: no exchange key in $dir/db" >&2
	return 1
}
