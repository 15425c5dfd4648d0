# SPDX-License-Identifier: LGPL-2.1-or-later
# nixbox-netsetup / the netsetup library against the kernel: every change is
# read back with `ip -j`. Each t_* function runs its body in a fresh network
# namespace of its own (`unshare -n`), whatever namespace it is called in, so
# the tests can never touch the machine's interfaces; tests that need a second
# namespace make one with `unshare -n sleep` and kill it at the end. Links
# die with their namespace, so there is nothing else to clean up.
#
# By hand (as root): bash -c 'source tests/integration/50-netsetup.sh; t_netsetup_bridge'

: "${TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${BUILD:=$TOP/build}"
: "${NETSETUP:=$BUILD/nixbox-netsetup}"
_NS_FILE=$(realpath "${BASH_SOURCE[0]}")
# The distribution's python starts fastest (a pyenv shim can take a second).
_NS_PY=python3
[[ -x /usr/bin/python3 ]] && _NS_PY=/usr/bin/python3

# --- helpers (prefixed _ns_ so as not to clash with tests/lib.sh) ---

_ns_require() {
	if [[ ! -x $NETSETUP ]]; then
		echo "skip: $NETSETUP is not built"
		return 77
	fi
	if ((EUID != 0)); then
		echo "skip: needs root"
		return 77
	fi
	local tool
	for tool in ip python3 nsenter unshare realpath; do
		if ! command -v $tool >/dev/null; then
			echo "skip: needs $tool"
			return 77
		fi
	done
}

# Runs the command "$@" (a function of this file) in a new network namespace
# (a child bash that sources this file again), after checking that the
# namespace holds nothing but lo.
_ns_run() {
	_ns_require || return
	NETSETUP=$NETSETUP unshare -n bash -c '
		source "$1" || exit 1
		if [[ $(ip -o link show | wc -l) != 1 ]]; then
			echo "FAIL: not a fresh network namespace" >&2
			exit 1
		fi
		shift
		"$@"' _ "$_NS_FILE" "$@"
}

_ns_fail() {
	echo "FAIL: $*" >&2
	return 1
}

# _ns_check WHAT ACTUAL EXPECTED
_ns_check() {
	[[ $2 == "$3" ]] || _ns_fail "$1: got '$2', expected '$3'"
}

# Evaluates a Python expression over the JSON on stdin (as d); booleans
# print as yes/no, None as nothing.
_ns_json() {
	"$_NS_PY" -c '
import json, sys
try:
    d = json.load(sys.stdin)
    r = eval(sys.argv[1])
except (ValueError, IndexError, KeyError, TypeError):
    r = None
print("" if r is None else ("yes" if r is True else "no" if r is False else r))' "$1"
}

# _ns_link [-n PID] DEV EXPR: EXPR over `ip -j link show DEV` (l = the link)
_ns_link() {
	local pfx=()
	if [[ $1 == -n ]]; then pfx=(nsenter -t "$2" -n); shift 2; fi
	"${pfx[@]}" ip -j -d link show dev "$1" 2>/dev/null | _ns_json "(lambda l: $2)(d[0])"
}

_ns_exists() {
	local pfx=()
	if [[ $1 == -n ]]; then pfx=(nsenter -t "$2" -n); shift 2; fi
	"${pfx[@]}" ip link show dev "$1" >/dev/null 2>&1
}

# A second network namespace, held by a sleeping process: $_ns_pid.
_ns_holder_start() {
	local self i
	self=$(readlink /proc/self/ns/net)
	unshare -n sleep 120 &
	_ns_pid=$!
	for ((i = 0; i < 100; i++)); do
		local ns
		ns=$(readlink "/proc/$_ns_pid/ns/net" 2>/dev/null) || break
		[[ $ns != "$self" ]] && return 0
		sleep 0.02
	done
	_ns_fail "could not start a network namespace holder"
}

_ns_holder_stop() {
	[[ -n ${_ns_pid:-} ]] || return 0
	kill "$_ns_pid" 2>/dev/null
	wait "$_ns_pid" 2>/dev/null
	_ns_pid=
}

# Runs "$@" with a holder namespace and always stops it; returns "$@"'s status.
_ns_with_holder() {
	local rc
	_ns_holder_start || { _ns_holder_stop; return 1; }
	"$@"
	rc=$?
	_ns_holder_stop
	return $rc
}

# --- tests ---

t_netsetup_veth_and_link_set() {
	_ns_run _ns_body_link_set
}
_ns_body_link_set() {
	"$NETSETUP" veth nsa0 nsa1 address 02:00:00:00:0a:00 peer-address 02:00:00:00:0a:01 || return 1
	_ns_check "kind" "$(_ns_link nsa0 'l["linkinfo"]["info_kind"]')" veth || return 1
	_ns_check "peer" "$(_ns_link nsa0 'l["link"]')" nsa1 || return 1
	_ns_check "mac" "$(_ns_link nsa0 'l["address"]')" 02:00:00:00:0a:00 || return 1
	_ns_check "peer mac" "$(_ns_link nsa1 'l["address"]')" 02:00:00:00:0a:01 || return 1

	"$NETSETUP" link set nsa0 mtu 1400 address 02:00:00:00:0b:00 up || return 1
	_ns_check "mtu" "$(_ns_link nsa0 'l["mtu"]')" 1400 || return 1
	_ns_check "new mac" "$(_ns_link nsa0 'l["address"]')" 02:00:00:00:0b:00 || return 1
	_ns_check "up" "$(_ns_link nsa0 '"UP" in l["flags"]')" yes || return 1
	"$NETSETUP" link set nsa0 down || return 1
	_ns_check "down" "$(_ns_link nsa0 '"UP" in l["flags"]')" no || return 1

	"$NETSETUP" link set nsa0 name nsa2 || return 1
	_ns_exists nsa0 && { _ns_fail "nsa0 still exists after rename"; return 1; }
	_ns_check "renamed" "$(_ns_link nsa2 'l["address"]')" 02:00:00:00:0b:00 || return 1

	# The CLI's list agrees with the kernel.
	"$NETSETUP" link show | grep -q "^$(_ns_link nsa2 'l["ifindex"]') nsa2 kind=veth mtu=1400 address=02:00:00:00:0b:00 state=down$" ||
		_ns_fail "link show: $("$NETSETUP" link show)" || return 1

	# Deleting one end removes the pair.
	"$NETSETUP" link del nsa2 || return 1
	! _ns_exists nsa2 && ! _ns_exists nsa1 || _ns_fail "veth pair still there after link del"
}

t_netsetup_addresses() {
	_ns_run _ns_body_addresses
}
_ns_body_addresses() {
	local a
	"$NETSETUP" veth nsb0 nsb1 || return 1
	"$NETSETUP" addr add nsb0 10.77.0.1/24 || return 1
	"$NETSETUP" addr add nsb0 fd77::1/64 || return 1
	"$NETSETUP" addr add nsb0 10.78.0.1 || return 1
	a=$(ip -j addr show dev nsb0 | _ns_json '" ".join("%s/%s" % (a["local"], a["prefixlen"]) for a in d[0]["addr_info"])')
	_ns_check "addresses" "$a" "10.77.0.1/24 10.78.0.1/32 fd77::1/64" || return 1
	# IFA_F_NODAD: usable at once, never "tentative".
	_ns_check "nodad" "$(ip -j addr show dev nsb0 | _ns_json '[a.get("nodad") for a in d[0]["addr_info"] if a["family"] == "inet6"][0]')" yes || return 1

	"$NETSETUP" addr del nsb0 10.77.0.1/24 || return 1
	"$NETSETUP" addr del nsb0 fd77::1/64 || return 1
	a=$(ip -j addr show dev nsb0 | _ns_json '" ".join(a["local"] for a in d[0]["addr_info"])')
	_ns_check "after delete" "$a" "10.78.0.1" || return 1
}

t_netsetup_routes() {
	_ns_run _ns_body_routes
}
_ns_body_routes() {
	local r
	"$NETSETUP" veth nsc0 nsc1 || return 1
	"$NETSETUP" link set nsc0 up || return 1
	"$NETSETUP" link set nsc1 up || return 1
	"$NETSETUP" addr add nsc0 10.79.0.2/24 || return 1
	"$NETSETUP" addr add nsc0 fd79::2/64 || return 1

	"$NETSETUP" route add default via 10.79.0.1 || return 1
	r=$(ip -j route show default | _ns_json '"%s %s" % (d[0]["gateway"], d[0]["dev"])')
	_ns_check "default route" "$r" "10.79.0.1 nsc0" || return 1

	"$NETSETUP" route add 192.168.79.0/24 dev nsc0 || return 1
	r=$(ip -j route show 192.168.79.0/24 | _ns_json '"%s %s %s" % (d[0]["dst"], d[0]["dev"], d[0]["scope"])')
	_ns_check "device route" "$r" "192.168.79.0/24 nsc0 link" || return 1

	"$NETSETUP" route add 10.80.0.0/16 via 10.79.0.3 dev nsc0 || return 1
	r=$(ip -j route show 10.80.0.0/16 | _ns_json '"%s %s" % (d[0]["gateway"], d[0]["dev"])')
	_ns_check "gateway route" "$r" "10.79.0.3 nsc0" || return 1

	"$NETSETUP" route add default via fd79::1 dev nsc0 || return 1
	r=$(ip -j -6 route show default | _ns_json '"%s %s" % (d[0]["gateway"], d[0]["dev"])')
	_ns_check "IPv6 default route" "$r" "fd79::1 nsc0" || return 1

	"$NETSETUP" route del default || return 1
	"$NETSETUP" route del 192.168.79.0/24 dev nsc0 || return 1
	"$NETSETUP" route del default via fd79::1 || return 1
	_ns_check "routes deleted" "$(ip route show default; ip route show 192.168.79.0/24; ip -6 route show default)" "" || return 1
}

t_netsetup_veth_peer_in_netns() {
	_ns_run _ns_with_holder _ns_body_veth_peer
}
_ns_body_veth_peer() {
	# Peer by PID (IFLA_NET_NS_PID) ...
	"$NETSETUP" veth nsd0 host0 peer-netns "$_ns_pid" peer-address 02:00:00:00:0d:01 || return 1
	_ns_exists host0 && { _ns_fail "host0 appeared in the caller's namespace"; return 1; }
	_ns_check "peer in netns" "$(_ns_link -n "$_ns_pid" host0 'l["address"]')" 02:00:00:00:0d:01 || return 1
	_ns_check "peer kind" "$(_ns_link -n "$_ns_pid" host0 'l["linkinfo"]["info_kind"]')" veth || return 1
	# ... and by namespace file (IFLA_NET_NS_FD).
	"$NETSETUP" veth nsd1 host1 peer-netns "/proc/$_ns_pid/ns/net" || return 1
	_ns_exists -n "$_ns_pid" host1 || { _ns_fail "host1 missing in the other namespace"; return 1; }

	# Operations inside the other namespace (--netns PID and PATH).
	"$NETSETUP" --netns "$_ns_pid" link set host0 up || return 1
	"$NETSETUP" -n "/proc/$_ns_pid/ns/net" addr add host0 10.81.0.2/24 || return 1
	"$NETSETUP" -n "$_ns_pid" route add default via 10.81.0.1 || return 1
	_ns_check "remote up" "$(_ns_link -n "$_ns_pid" host0 '"UP" in l["flags"]')" yes || return 1
	_ns_check "remote addr" "$(nsenter -t "$_ns_pid" -n ip -j addr show dev host0 | _ns_json 'd[0]["addr_info"][0]["local"]')" 10.81.0.2 || return 1
	_ns_check "remote route" "$(nsenter -t "$_ns_pid" -n ip -j route show default | _ns_json 'd[0]["gateway"]')" 10.81.0.1 || return 1
	# The CLI's own process stayed in our namespace: nothing changed here.
	_ns_check "local default route" "$(ip route show default)" "" || return 1

	# An existing name in the target namespace is an error.
	"$NETSETUP" veth nsd2 host0 peer-netns "$_ns_pid" 2>/dev/null && { _ns_fail "duplicate peer name accepted"; return 1; }
	_ns_exists nsd2 && { _ns_fail "half-created nsd2 left behind"; return 1; }
	return 0
}

t_netsetup_bridge() {
	_ns_run _ns_body_bridge
}
_ns_body_bridge() {
	local br
	"$NETSETUP" bridge add nsebr || return 1
	_ns_check "bridge kind" "$(_ns_link nsebr 'l["linkinfo"]["info_kind"]')" bridge || return 1
	"$NETSETUP" veth nse0 nse1 || return 1
	"$NETSETUP" link set nse0 master nsebr up || return 1
	_ns_check "master" "$(_ns_link nse0 'l["master"]')" nsebr || return 1
	br=$(ip -j link show master nsebr | _ns_json '" ".join(l["ifname"] for l in d)')
	_ns_check "bridge ports" "$br" nse0 || return 1
	"$NETSETUP" link set nse0 nomaster || return 1
	_ns_check "released" "$(_ns_link nse0 'l.get("master")')" "" || return 1
	"$NETSETUP" link del nsebr || return 1
	! _ns_exists nsebr || _ns_fail "bridge still there"
}

t_netsetup_move_netns() {
	_ns_run _ns_with_holder _ns_body_move
}
_ns_body_move() {
	"$NETSETUP" veth nsf0 nsf1 || return 1
	"$NETSETUP" link set nsf1 netns "$_ns_pid" || return 1
	_ns_exists nsf1 && { _ns_fail "nsf1 still in the caller's namespace"; return 1; }
	_ns_exists -n "$_ns_pid" nsf1 || { _ns_fail "nsf1 not in the target namespace"; return 1; }
	# And back, from a socket inside the other namespace, by namespace file
	# (the CLI process itself is still in ours, so /proc/self/ns/net is ours).
	"$NETSETUP" -n "$_ns_pid" link set nsf1 name nsf2 netns /proc/self/ns/net || return 1
	_ns_exists nsf2 || { _ns_fail "nsf2 did not come back"; return 1; }
	_ns_exists -n "$_ns_pid" nsf1 && { _ns_fail "nsf1 still in the other namespace"; return 1; }
	_ns_check "back peer" "$(_ns_link nsf2 'l["link"]')" nsf0 || return 1
	"$NETSETUP" link del nsf0
}

t_netsetup_altname() {
	_ns_run _ns_body_altname
}
_ns_body_altname() {
	local long=nsg0-a-rather-long-alternative-name-of-40
	"$NETSETUP" veth nsg0 nsg1 || return 1
	"$NETSETUP" altname add nsg0 "$long" || return 1
	_ns_check "altnames" "$(_ns_link nsg0 '" ".join(l["altnames"])')" "$long" || return 1
	# Links can be named by altname.
	"$NETSETUP" link set "$long" mtu 1280 || return 1
	_ns_check "mtu via altname" "$(_ns_link nsg0 'l["mtu"]')" 1280 || return 1
	"$NETSETUP" link show "$long" | grep -q " nsg0 kind=veth mtu=1280 " || _ns_fail "link show by altname" || return 1
	"$NETSETUP" altname add nsg0 "$long" 2>/dev/null && { _ns_fail "duplicate altname accepted"; return 1; }
	"$NETSETUP" altname del nsg0 "$long" || return 1
	_ns_check "altname removed" "$(_ns_link nsg0 'l.get("altnames")')" "" || return 1
}

t_netsetup_errors() {
	_ns_run _ns_body_errors
}
_ns_body_errors() {
	local out rc
	"$NETSETUP" veth nsh0 nsh1 || return 1

	out=$("$NETSETUP" veth nsh0 nsh9 2>&1); rc=$?
	_ns_check "duplicate exit status" "$rc" 1 || return 1
	_ns_check "duplicate message" "$out" "nixbox-netsetup: create veth nsh0/nsh9: File exists" || return 1
	_ns_exists nsh9 && { _ns_fail "nsh9 created despite the error"; return 1; }

	out=$("$NETSETUP" link del nsh-missing 2>&1)
	_ns_check "missing link" "$out" "nixbox-netsetup: delete link nsh-missing: No such device" || return 1

	out=$("$NETSETUP" link set nsh0 master nsh-nobridge 2>&1)
	_ns_check "missing master" "$out" \
		"nixbox-netsetup: enslave nsh0 to nsh-nobridge: no link nsh-nobridge: No such device" || return 1

	# The kernel's extended-ack text is appended when it gives one.
	out=$("$NETSETUP" link set nsh0 mtu 99999999 2>&1)
	[[ $out == "nixbox-netsetup: set mtu 99999999 on nsh0 (kernel: "*"): Invalid argument" ]] ||
		_ns_fail "extack message: $out" || return 1

	"$NETSETUP" addr add nsh0 10.82.0.1/24 || return 1
	out=$("$NETSETUP" addr add nsh0 10.82.0.1/24 2>&1)
	[[ $out == "nixbox-netsetup: add address 10.82.0.1/24 to nsh0"*": File exists" ]] ||
		_ns_fail "duplicate address: $out" || return 1

	out=$("$NETSETUP" veth "nsh 0" x 2>&1)
	_ns_check "bad name" "$out" 'nixbox-netsetup: create veth nsh 0/x: invalid interface name "nsh 0": Invalid argument' || return 1

	"$NETSETUP" link set nsh0 bogus >/dev/null 2>&1; rc=$?
	_ns_check "usage exit status" "$rc" 2 || return 1
	"$NETSETUP" --help | grep -q '^Usage: nixbox-netsetup' || _ns_fail "--help"
}

# What the runtime will do for --network-veth: nspawn's names and MACs,
# host side ve-NAME here, host0 created in the container's namespace, both
# up with addresses and routes, and then traffic flows between them.
t_netsetup_nspawn_flow() {
	_ns_run _ns_with_holder _ns_body_flow
}
_ns_body_flow() {
	local id=0123456789abcdef0123456789abcdef machine=nsflow-a-long-machine
	local host alt hmac cmac got
	read -r host alt < <("$NETSETUP" veth-name "$machine")
	_ns_check "veth name" "$host $alt" "ve-nsflow-aHrWW ve-$machine" || return 1
	hmac=$("$NETSETUP" mac "$machine" host machine-id "$id") || return 1
	cmac=$("$NETSETUP" mac "$machine" container machine-id "$id") || return 1

	"$NETSETUP" veth "$host" host0 address "$hmac" peer-address "$cmac" peer-netns "$_ns_pid" || return 1
	"$NETSETUP" altname add "$host" "$alt" || return 1
	_ns_check "host mac" "$(_ns_link "$alt" 'l["address"]')" "$hmac" || return 1
	_ns_check "container mac" "$(_ns_link -n "$_ns_pid" host0 'l["address"]')" "$cmac" || return 1

	"$NETSETUP" link set "$host" up || return 1
	"$NETSETUP" addr add "$host" 10.83.0.1/28 || return 1
	"$NETSETUP" addr add "$host" fd83::1/64 || return 1
	"$NETSETUP" -n "$_ns_pid" link set lo up || return 1
	"$NETSETUP" -n "$_ns_pid" link set host0 up || return 1
	"$NETSETUP" -n "$_ns_pid" addr add host0 10.83.0.2/28 || return 1
	"$NETSETUP" -n "$_ns_pid" addr add host0 fd83::2/64 || return 1
	"$NETSETUP" -n "$_ns_pid" route add default via 10.83.0.1 || return 1
	"$NETSETUP" -n "$_ns_pid" route add default via fd83::1 dev host0 || return 1

	# A TCP round trip from the container namespace to the host side,
	# over IPv4 and IPv6 (no ping needed).
	got=$("$_NS_PY" - "$_ns_pid" <<-'EOF'
		import os, socket, subprocess, sys
		out = []
		for fam, addr in ((socket.AF_INET, "10.83.0.1"), (socket.AF_INET6, "fd83::1")):
		    srv = socket.socket(fam, socket.SOCK_STREAM)
		    srv.bind((addr, 0)); srv.listen(1); srv.settimeout(5)
		    port = srv.getsockname()[1]
		    code = ("import socket; s = socket.create_connection((%r, %d), 5); s.sendall(b'hi')" % (addr, port))
		    p = subprocess.Popen(["nsenter", "-t", sys.argv[1], "-n", sys.executable, "-c", code])
		    try:
		        c, peer = srv.accept()
		        c.settimeout(5)
		        out.append("%s:%s" % (peer[0], c.recv(2).decode()))
		    except OSError as e:
		        out.append("error:%s" % e)
		    p.wait(10)
		print(" ".join(out))
	EOF
	)
	_ns_check "traffic" "$got" "10.83.0.2:hi fd83::2:hi" || return 1

	"$NETSETUP" link del "$alt" || return 1
	_ns_exists -n "$_ns_pid" host0 && { _ns_fail "host0 survived deleting the host side"; return 1; }
	return 0
}

t_netsetup_macvlan() {
	_ns_run _ns_with_holder _ns_body_macvlan
}
_ns_body_macvlan() {
	"$NETSETUP" veth nsi0 nsi1 || return 1
	"$NETSETUP" macvlan mv-nsi0 nsi0 address 02:00:00:00:0e:01 netns "$_ns_pid" || return 1
	_ns_exists mv-nsi0 && { _ns_fail "macvlan appeared in the caller's namespace"; return 1; }
	_ns_check "macvlan" "$(_ns_link -n "$_ns_pid" mv-nsi0 '"%s %s %s" % (l["linkinfo"]["info_kind"], l["linkinfo"]["info_data"]["mode"], l["address"])')" \
		"macvlan bridge 02:00:00:00:0e:01" || return 1
	"$NETSETUP" macvlan mv-nsi1 nsi-missing 2>/dev/null && { _ns_fail "macvlan on a missing parent"; return 1; }
	return 0
}

t_netsetup_ipvlan() {
	_ns_run _ns_with_holder _ns_body_ipvlan
}
_ns_body_ipvlan() {
	local out
	"$NETSETUP" veth nsj0 nsj1 || return 1
	if ! out=$("$NETSETUP" ipvlan iv-nsj0 nsj0 netns "/proc/$_ns_pid/ns/net" 2>&1); then
		if [[ $out == *"Operation not supported" ]]; then
			echo "skip: the kernel has no ipvlan ($out)"
			return 77
		fi
		_ns_fail "$out"
		return 1
	fi
	_ns_check "ipvlan" "$(_ns_link -n "$_ns_pid" iv-nsj0 '"%s %s" % (l["linkinfo"]["info_kind"], l["linkinfo"]["info_data"]["mode"])')" \
		"ipvlan l2" || return 1
}
