# lib.sh: shared pieces of the end-to-end rig (sourced by run.sh and demo.sh).
# Needs: TOP, and the built artefacts below. Everything goes under $W.
set -u
TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
W=${E2E_DIR:-$BUILD/e2e}
BROKER=$BUILD/cocobroker
COCOBOOT=$BUILD/cocoboot
TSM_SIM_KO=$BUILD/kernel-modules/tsm_sim.ko
KEYS=$BUILD/keys
SIM_MEASUREMENT=$(printf '%02x' $(seq 0 47))   # tsm_sim's default: bytes 00 01 .. 2f
BPID=

e2e_need() {
	local f
	for f in "$BROKER" "$COCOBOOT" "$TSM_SIM_KO" "$KEYS/snp/tsm-sim.material" "$KEYS/snp/ark.pem" \
		"$KEYS/tdx/tsm-sim.material" "$KEYS/tdx/root.pem" \
		"$BUILD/kernel/bzImage" "$BUILD/e2e/root-init" "$BUILD/e2e/sim-init" "$BUILD/e2e/relay-client"; do
		[ -e "$f" ] || { echo "e2e: missing $f (make e2e builds it)" >&2; return 1; }
	done
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The broker's PKI: the CA the guest pins, and a rogue CA with a server
# certificate for the very same names (the "not signed by the pinned CA" case).
e2e_pki() {
	local d=$W/pki name
	mkdir -p "$d"
	# broker.test: the name the host-name cases put into the initramfs's /etc/hosts
	[ -s "$d/server.pem" ] && [ -s "$d/rogue-server.pem" ] &&
		openssl x509 -in "$d/server.pem" -noout -ext subjectAltName 2>/dev/null | grep -q 'DNS:broker.test' && return 0
	printf 'subjectAltName=IP:10.0.2.2,IP:127.0.0.1,DNS:localhost,DNS:broker.test\nextendedKeyUsage=serverAuth\n' >"$d/ext.cnf"
	for name in "" rogue-; do
		openssl ecparam -name prime256v1 -genkey -noout -out "$d/${name}ca.key" 2>/dev/null
		openssl req -x509 -new -key "$d/${name}ca.key" -subj "/CN=cocoboot TEST ${name}broker CA" -days 30 \
			-out "$d/${name}ca.pem" 2>/dev/null
		openssl ecparam -name prime256v1 -genkey -noout -out "$d/${name}server.key" 2>/dev/null
		openssl req -new -key "$d/${name}server.key" -subj "/CN=10.0.2.2" -out "$d/${name}server.csr" 2>/dev/null
		openssl x509 -req -in "$d/${name}server.csr" -CA "$d/${name}ca.pem" -CAkey "$d/${name}ca.key" \
			-CAcreateserial -days 30 -extfile "$d/ext.cnf" -out "$d/${name}server.pem" 2>/dev/null
	done
	[ -s "$d/server.pem" ] && [ -s "$d/rogue-server.pem" ]
}

# e2e_broker_config NAME PORT [rogue-]: a broker configuration in $W/NAME.json
e2e_broker_config() {
	local name=$1 port=$2 cert=${3:-}
	cat >"$W/$name.json" <<JSON
{
  "listen": "127.0.0.1:$port",
  "metrics_listen": "127.0.0.1:$(free_port)",
  "cert": "$W/pki/${cert}server.pem",
  "key": "$W/pki/${cert}server.key",
  "database": "$W/store/keys.db",
  "master_key": "$W/store/master.key",
  "test_snp_ark": "$KEYS/snp/ark.pem",
  "test_snp_ask": "$KEYS/snp/ask.pem",
  "test_tdx_root": "$KEYS/tdx/root.pem",
  "workers": 2,
  "handshake_timeout_ms": 30000,
  "idle_timeout_ms": 30000
}
JSON
}

# Policy matching the simulated guest in either format: its measurement (SNP
# MEASUREMENT / TDX MRTD), TCB and identity, chained to the TEST roots.  The
# simulated TD leaves its RTMRs zero (nothing extends them) and has no
# collateral, so TDX pins RTMR1/RTMR2 at zero and opts in to no collateral.
e2e_policy() {
	local zero48
	zero48=$(printf '00%.0s' $(seq 48))
	cat >"$W/policy.json" <<JSON
{"snp": {"products": ["test"], "measurements": ["$SIM_MEASUREMENT"], "vmpls": [0],
         "host_data": "$(printf '00%.0s' $(seq 32))",
         "min_reported_tcb": {"bootloader": 3, "tee": 0, "snp": 8, "microcode": 115}},
 "tdx": {"allow_test_root": true, "allow_debug": false, "allow_no_collateral": true,
         "mrtd": ["$SIM_MEASUREMENT"], "rtmr1": ["$zero48"], "rtmr2": ["$zero48"]}}
JSON
}

# e2e_root_image UUID OUT: ext4 (4 KiB blocks) with root-init as /sbin/init,
# encrypted offline into LUKS2 with the volume key enrolled at the broker —
# the key goes from `cocobroker volume add` to cryptsetup through a pipe, and
# `volume confirm` activates the volume once the image's header holds it.
# e2e_plain_root UUID OUT: the unencrypted root (ext4 with root-init and a
# marker naming UUID) followed by 16 MiB of room for a LUKS2 header.
# EXTRA (optional): a directory copied over the tree (the crypttab root).
e2e_plain_root() {
	local uuid=$1 out=$2 extra=${3:-} root=$W/rootfs
	rm -rf "$root" "$out" && mkdir -p "$root"/{sbin,proc,sys,dev,run,etc,tmp}
	cp "$BUILD/e2e/root-init" "$root/sbin/init"
	echo "unlocked root $uuid" >"$root/etc/e2e-marker"
	# systemd's switch-root (dracut's systemd flavour) wants an OS tree.
	printf 'ID=cocoboot-e2e\nNAME="cocoboot e2e root"\n' >"$root/etc/os-release"
	[ -z "$extra" ] || cp -a "$extra/." "$root/"
	truncate -s $((8 + $(du -sm "$root" | cut -f1)))M "$out"
	mkfs.ext4 -q -F -b 4096 -L e2e-root -d "$root" "$out" >/dev/null
	resize2fs -M "$out" >/dev/null 2>&1
	truncate -s +16M "$out"
}

# e2e_root_image UUID OUT [POLICY [EXTRA]]: POLICY defaults to $W/policy.json.
e2e_root_image() {
	local uuid=$1 out=$2 policy=${3:-$W/policy.json} extra=${4:-} pass
	e2e_plain_root "$uuid" "$out" "$extra"
	mkdir -p "$W/store"
	# The keyslot passphrase is random and thrown away: only the broker can unlock.
	pass=$(mktemp "$W/pass.XXXXXX")
	head -c 32 /dev/urandom >"$pass"
	set -o pipefail
	"$BROKER" volume add --uuid "$uuid" --policy "$policy" --config "$W/broker.json" 2>>"$W/enrol.log" |
		cryptsetup reencrypt --encrypt --type luks2 --batch-mode --force-offline-reencrypt --uuid "$uuid" \
			--volume-key-file /dev/stdin --key-size 512 --sector-size 4096 --pbkdf pbkdf2 \
			--pbkdf-force-iterations 1000 --reduce-device-size 16M --key-file "$pass" "$out" >>"$W/enrol.log" 2>&1
	local rc=$?
	set +o pipefail
	rm -f "$pass"
	[ $rc -eq 0 ] || { echo "e2e: building the encrypted root failed (see $W/enrol.log)" >&2; return 1; }
	[ "$(cryptsetup luksUUID "$out")" = "$uuid" ] || return 1
	"$BROKER" volume confirm --uuid "$uuid" --device "$out" --config "$W/broker.json" 2>>"$W/enrol.log" ||
		{ echo "e2e: volume confirm failed (see $W/enrol.log)" >&2; return 1; }
}

# e2e_tool_files TOOL...: mkinitramfs arguments for dynamically linked tools
# (cryptsetup, dmsetup) as /sbin/TOOL, with their libraries and the loader.
e2e_tool_files() {
	local t path lib
	for t in "$@"; do
		path=$(command -v "$t" || echo "/sbin/$t")
		echo "--file $path:/sbin/$t:0755"
		for lib in $(ldd "$path" | awk '/=>/ { print $3 } /^\t\/lib/ { print $1 }'); do
			echo "--file $lib:$lib:0755"
		done
	done | sort -u
}

# cryptsetup alone (the hygiene guest, which runs rd.cocoboot.activate=cryptsetup too).
e2e_cryptsetup_files() { e2e_tool_files cryptsetup; }

# e2e_initramfs OUT CA [MODE [EXTRA...]]: without MODE, the production layout
# (`make initramfs`): cocoboot as /init and the pinned CA, nothing else but
# /etc/hosts when COCOBOOT_URL names a broker by host name
# (cocoboot activates dm-crypt itself). With MODE, a TEST flavour with the
# simulated provider: "sim" has the static C /init tests/e2e/sim-init.c (loads
# the provider, execs cocoboot: what `make demo` boots); other modes (unlock,
# table) a busybox /init tests/e2e/MODE-init.sh. EXTRA: "busybox" (a shell,
# for onfail=shell), "cryptsetup", "dmsetup" (the reference tools, for
# rd.cocoboot.activate=cryptsetup and the table comparison).
e2e_initramfs() {
	local out=$1 ca=$2 mode=${3:-} x tools=()
	shift 2
	[ $# -gt 0 ] && shift
	# The boot's own CA check: a bundle the guest cannot use is refused here.
	"$COCOBOOT" check-ca "$ca" >/dev/null || return 1
	local args=(-o "$out" --file "$ca:/etc/cocoboot/ca.pem:0644") hosts
	# The broker names of COCOBOOT_URL, resolved at build time into the
	# initramfs's /etc/hosts (the builders' shared helper; cocoboot does no DNS).
	# shellcheck disable=SC2086  # a list of URLs
	hosts=$("$TOP/dracut-module/91cocoboot/cocoboot-broker-hosts.sh" ${COCOBOOT_URL:-}) || return 1
	if [ -n "$hosts" ]; then
		printf '%s\n' "$hosts" >"$out.hosts"
		args+=(--file "$out.hosts:/etc/hosts:0644")
	fi
	if [ -z "$mode" ]; then
		args+=(--init "$COCOBOOT")
		"$TOP/tests/qemu/mkinitramfs.sh" "${args[@]}"
		return
	fi
	for x in "$@"; do
		case $x in busybox) args+=(--busybox) ;; *) tools+=("$x") ;; esac
	done
	# shellcheck disable=SC2207
	[ ${#tools[@]} -gt 0 ] && args+=($(e2e_tool_files "${tools[@]}"))
	if [ "$mode" = sim ]; then
		args+=(--init "$BUILD/e2e/sim-init")
	else
		args+=(--busybox --init "$TOP/tests/e2e/$mode-init.sh")
	fi
	args+=(--file "$COCOBOOT:/sbin/cocoboot:0755" --file "$TSM_SIM_KO:/lib/modules/tsm_sim.ko:0644"
		--file "$KEYS/snp/tsm-sim.material:/etc/tsm/snp.material:0644"
		--file "$KEYS/tdx/tsm-sim.material:/etc/tsm/tdx.material:0644")
	"$TOP/tests/qemu/mkinitramfs.sh" "${args[@]}"
}

# e2e_start_broker CONFIG: serve in the background and wait until it listens.
e2e_start_broker() {
	local cfg=$1 port
	port=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["listen"].rsplit(":",1)[1])' "$cfg")
	"$BROKER" serve --config "$cfg" 2>>"$W/broker.log" &
	BPID=$!
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		kill -0 "$BPID" 2>/dev/null || break
		sleep 0.1
	done
	echo "e2e: broker did not start (see $W/broker.log)" >&2
	return 1
}

# e2e_tally: the pass/fail counters of an e2e script (ok, bad) and, on exit,
# stop the broker and print the result line that tests/run-suites.sh adds up.
# A bare `exit` in the trap would return the status from before the trap.
e2e_tally() {
	pass=0 fail=0 skipped=0
	ok()   { pass=$((pass + 1)); echo "ok   $*"; }
	bad()  { fail=$((fail + 1)); echo "FAIL $*"; }
	skip() { skipped=$((skipped + 1)); echo "SKIP $*"; }
	trap 'e2e_stop_broker; echo "$pass passed, $fail failed$([ $skipped -eq 0 ] || echo ", $skipped skipped")"
		[ $fail -eq 0 ]; exit $?' EXIT
}

e2e_stop_broker() {
	if [ -n "$BPID" ]; then
		kill "$BPID" 2>/dev/null
		wait "$BPID" 2>/dev/null
		BPID=
	fi
}

# e2e_boot NAME DISK APPEND TIMEOUT [boot.sh markers...]
e2e_boot() {
	local name=$1 disk=$2 append=$3 timeout=$4
	shift 4
	"$TOP/tests/qemu/boot.sh" --initrd "${E2E_INITRD:-$W/initramfs-sim.cpio.gz}" --log "$W/logs/$name.log" \
		--timeout "$timeout" --disk "$disk" --net --append "ip=dhcp $append" "$@"
}
