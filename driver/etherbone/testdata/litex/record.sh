#!/bin/sh
# Records the transcripts of this directory (README.md): each session runs
# against LiteX's litex_server --uart, bridging to htmhw emulate --listen pty
# (a fresh board: the small preset compiled for jumpsup), through recproxy.
#
#   LITEX=/tmp/litex MIGEN=/tmp/migen LITEX_REV=37b75bd MIGEN_REV=50934ad \
#       driver/etherbone/testdata/litex/record.sh
#
# LITEX and MIGEN are source trees (run from there with PYTHONPATH); PYTHON
# must have pyserial (Debian: apt-get install python3-serial). Ports 41234
# (litex_server) and 41235 (the proxy) must be free.
set -eu
: "${LITEX:?LITEX: the LiteX source tree}" "${MIGEN:?MIGEN: the migen source tree}"
PYTHON=${PYTHON:-/usr/bin/python3}
LITEX_REV=${LITEX_REV:-unknown}
MIGEN_REV=${MIGEN_REV:-unknown}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
work=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
export PYTHONPATH="$LITEX:$MIGEN"

(cd "$root" && go build -o "$work/htmhw" ./cmd/htmhw && go build -o "$work/recproxy" ./driver/etherbone/testdata/litex/recproxy)
# litex_client.py wants a csr.csv: only the two widths it needs.
printf 'constant,config_csr_data_width,32,,\nconstant,config_bus_address_width,32,,\n' >"$work/csr.csv"
"$work/htmhw" compile --model small --data "$root/testdata/nab/art_daily_jumpsup.csv" -o "$work/region.img" >/dev/null

# waitfor FILE TEXT: wait until FILE holds TEXT.
waitfor() {
	i=0
	until grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			echo "record.sh: no \"$2\" in $1:" >&2
			cat "$1" >&2
			exit 1
		fi
		sleep 0.1
	done
}

# session NAME DESCRIPTION COMMAND...: record COMMAND's connection as NAME.txt.
session() {
	name=$1 desc=$2
	shift 2
	rm -f "$work/emu.out" "$work/server.out" "$work/proxy.log"
	"$work/htmhw" emulate --listen pty --image "$work/region.img" >"$work/emu.out" 2>"$work/emu.err" &
	emu=$!
	waitfor "$work/emu.out" "board URI"
	pty=$(sed -n 's/^emulating on //p' "$work/emu.out")
	"$PYTHON" -u -m litex.tools.litex_server --uart --uart-port "$pty" --uart-baudrate 115200 \
		--bind-port 41234 >"$work/server.out" 2>&1 &
	server=$!
	"$work/recproxy" -listen 127.0.0.1:41235 -to 127.0.0.1:41234 -out "$work/$name" 2>"$work/proxy.log" &
	proxy=$!
	pids="$emu $server $proxy"
	waitfor "$work/server.out" "tcp port"
	(cd "$work" && "$@")
	waitfor "$work/proxy.log" "done"
	kill $proxy $server $emu
	wait $proxy $server $emu 2>/dev/null || true
	pids=""
	{
		echo "# $desc"
		echo "# Recorded by record.sh: LiteX $LITEX_REV, migen $MIGEN_REV; litex_server --uart"
		echo "# --uart-baudrate 115200 --bind-port 41234 in front of htmhw emulate --listen pty."
		echo "# c: bytes the client sent, s: bytes the server sent, in the order they crossed."
		cat "$work/$name-1.txt"
	} >"$here/$name.txt"
	echo "recorded $here/$name.txt"
}

session remoteclient "LiteX RemoteClient: remoteclient_session.py --port 41235" \
	"$PYTHON" "$here/remoteclient_session.py" --port 41235
session litex-client-read "LiteX litex_client.py --port 41235 --read 0x0 --length 32 (csr.csv: the two widths)" \
	"$PYTHON" -m litex.tools.litex_client --port 41235 --read 0x0 --length 32
session htmhw-client "htmhw's Etherbone client: go test ./driver -run TestLiteXLive (htmhwSession)" \
	env HTMHW_LITEX_SERVER=127.0.0.1:41235 sh -c "cd '$root' && go test -count=1 -run '^TestLiteXLive\$' -v ./driver"
