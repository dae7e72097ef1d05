#!/bin/sh
# Runs htmhw against LiteX's own host tools, live (docs/DRIVER.md, "LiteX";
# issue 17's table):
#
#   1. LiteX RemoteClient (remoteclient_session.py) and litex_client.py
#      straight to htmhw emulate --listen tcp://127.0.0.1:41236;
#   2. htmhw run --board tcp://127.0.0.1:41234 (200 rows of jumpsup), with
#      and without --verify, through litex_server --uart to htmhw emulate
#      --listen pty, compared with the same run on sim://: on a fresh
#      board, then twice more on the same board (a full load each), with
#      the default reply timeout and with ?timeout=10s;
#   3. RemoteClient and htmhw run through litex_server --uart-baudrate
#      115200 to an emulator paced as LiteX's UARTBone (--baud 115200
#      --no-rx-fifo).
#
#   LITEX=/tmp/litex MIGEN=/tmp/migen driver/etherbone/testdata/litex/interop.sh
#
# Same requirements as record.sh; ports 41234 and 41236 must be free. It
# stops at the first failure of LiteX's tools; htmhw runs that fail are
# reported and the script goes on (exit status 1 at the end).
set -eu
: "${LITEX:?LITEX: the LiteX source tree}" "${MIGEN:?MIGEN: the migen source tree}"
PYTHON=${PYTHON:-/usr/bin/python3}
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
htmhw=$work/htmhw

(cd "$root" && go build -o "$htmhw" ./cmd/htmhw)
printf 'constant,config_csr_data_width,32,,\nconstant,config_bus_address_width,32,,\n' >"$work/csr.csv"
data=$root/testdata/nab/art_daily_jumpsup.csv
head -n 201 "$data" >"$work/d200.csv"
"$htmhw" compile --model small --data "$data" -o "$work/region.img" >/dev/null
"$htmhw" run --image "$work/region.img" --data "$work/d200.csv" --out "$work/sim.csv" 2>/dev/null

waitfor() {
	i=0
	until grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			echo "interop.sh: no \"$2\" in $1:" >&2
			cat "$1" >&2
			exit 1
		fi
		sleep 0.1
	done
}

# emulate ARGS...: start a fresh emulator; sets emu (pid) and emu_at (pty
# path or address).
emulate() {
	rm -f "$work/emu.out" "$work/server.out"
	"$htmhw" emulate --image "$work/region.img" "$@" >"$work/emu.out" 2>"$work/emu.err" &
	emu=$!
	pids="$pids $emu"
	waitfor "$work/emu.out" "board URI"
	emu_at=$(sed -n 's/^emulating on //p' "$work/emu.out")
}

# litex_server BAUD: start litex_server --uart on the emulator's pty.
litex_server() {
	"$PYTHON" -u -m litex.tools.litex_server --uart --uart-port "$emu_at" --uart-baudrate "$1" \
		--bind-port 41234 >"$work/server.out" 2>&1 &
	server=$!
	pids="$pids $server"
	waitfor "$work/server.out" "tcp port"
}

# stop: stop what runs; the emulator with an interrupt, so that it prints
# its counts (frames, abandoned frames, bytes, bytes lost while answering).
stop() {
	kill -INT "$emu" 2>/dev/null || true
	for p in $pids; do [ "$p" = "$emu" ] || kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	pids=""
	tail -n 1 "$work/emu.err"
}

# board_run NAME QUERY ARGS...: htmhw run on the board at litex_server
# (tcp://127.0.0.1:41234QUERY), checked against sim://.
board_run() {
	name=$1 query=$2
	shift 2
	t0=$(date +%s)
	if ! (cd "$work" && "$htmhw" run --image region.img --data d200.csv --board "tcp://127.0.0.1:41234$query" --out "$name.csv" "$@"); then
		echo "$name: FAILED"
		failed=1
		return
	fi
	t1=$(date +%s)
	if cmp "$work/sim.csv" "$work/$name.csv"; then
		echo "$name: $(($(wc -l <"$work/$name.csv") - 1)) rows, identical to sim://, $((t1 - t0)) s"
	else
		failed=1
	fi
}
failed=0

echo "== 1. RemoteClient and litex_client.py straight to htmhw emulate --listen tcp://127.0.0.1:41236"
emulate --listen tcp://127.0.0.1:41236
(cd "$work" && "$PYTHON" "$here/remoteclient_session.py" --port 41236)
(cd "$work" && "$PYTHON" -m litex.tools.litex_client --port 41236 --read 0x0 --length 32 2>/dev/null)
stop

echo "== 2. htmhw run --board tcp://127.0.0.1:41234 through litex_server --uart to htmhw emulate --listen pty"
emulate --listen pty
litex_server 115200
board_run run ""
# The board has run 200 steps: these runs load the whole image again.
board_run run-verify "" --verify
board_run run-verify-timeout "?timeout=10s" --verify
stop

echo "== 3. the same at 115200 baud, the emulator as LiteX's UARTBone (--baud 115200 --no-rx-fifo)"
emulate --listen pty --baud 115200 --no-rx-fifo
litex_server 115200
(cd "$work" && "$PYTHON" "$here/remoteclient_session.py" --port 41234)
stop
emulate --listen pty --baud 115200 --no-rx-fifo
litex_server 115200
board_run run-115200 "?timeout=10s"
stop
if [ $failed = 0 ]; then
	echo "interop.sh: all passed"
else
	echo "interop.sh: FAILED"
	exit 1
fi
