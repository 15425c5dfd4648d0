# SPDX-License-Identifier: LGPL-2.1-or-later
# nixbox's container networking (runtime/net/network*.c, docs/networking.md):
# veth names and MACs, addresses and routes, zones, moved-in and extra
# links, port forwards, masquerading, validation, and what stays behind
# after a stop and after a SIGKILL.
#
# Every t_* function runs its body in a fresh network namespace of its own
# (`unshare -n`, see _net_run), whatever namespace the runner is in: the
# tests never touch the machine's interfaces. "The host" below is that
# namespace; "the outside" is a second one made with `unshare -n sleep`.
# Links, nft tables and sysctls die with their namespace, but each test
# still checks that nixbox removed what it made.
#
# By hand (as root, from the repository):
#   BUSYBOX_ROOT=$(tests/fixtures/fixture.sh busybox) unshare --net -- bash -c 'export TOP=$PWD \
#     BUILD=$PWD/build NIXBOX=$PWD/build/nixbox; f=$(mktemp); tests/integration-runner.sh $f 55-network'

: "${TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${BUILD:=$TOP/build}"
: "${NETSETUP:=$BUILD/nixbox-netsetup}"
_NET_FILE=$(realpath "${BASH_SOURCE[0]}")
# The distribution's python starts fastest (a pyenv shim can take a second).
_NET_PY=python3
[[ -x /usr/bin/python3 ]] && _NET_PY=/usr/bin/python3

# --- helpers (prefixed _net_ so as not to clash with tests/lib.sh) ---

_net_require() {
        local tool
        ((EUID == 0)) || skip "needs root"
        for tool in ip unshare nsenter busybox "$_NET_PY"; do
                command -v "$tool" >/dev/null || skip "needs $tool"
        done
        [[ -x $NETSETUP ]] || skip "$NETSETUP is not built"
}

# _net_run FUNC: runs FUNC (a function of this file) in a new network
# namespace with lo up. Containers a test left running are killed when it
# ends, so a failed check never leaves a nixbox behind.
_net_run() {
        _net_require
        NETSETUP=$NETSETUP unshare -n bash -c '
                source "$TOP/tests/lib.sh"
                source "$1"
                shift
                trap "_net_kill_jobs" EXIT
                set -e
                ip link set lo up
                [[ $(ip -o link show | wc -l) == 1 ]] || { echo "FAIL: not a fresh network namespace" >&2; exit 1; }
                "$@"' _ "$_NET_FILE" "$@"
}

_net_kill_jobs() {
        local p i
        for p in $(jobs -p); do
                kill -TERM "$p" 2>/dev/null || continue
                for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
                kill -9 "$p" 2>/dev/null || true
        done
        wait 2>/dev/null || true
}

# _net_start OUT ARGS...: nixbox run -q ARGS in the background, output in
# OUT; waits until the container printed "ready". Sets NB to nixbox's pid.
_net_start() {
        local out=$1
        shift
        "$NIXBOX" run -q "$@" >"$out" 2>&1 </dev/null &
        NB=$!
        if ! wait_for grep -q '^ready' "$out"; then
                echo "FAIL: container did not start: $(cat "$out")" >&2
                return 1
        fi
}

# _net_stop: SIGTERM to nixbox, wait for it.
_net_stop() {
        kill -TERM "$NB" 2>/dev/null || true
        wait "$NB" 2>/dev/null || true
}

# The container's PID 1: the child of nixbox that is not the port forwarder.
_net_init_pid() {
        local p
        for p in $(pgrep -P "$1"); do
                # Not the port forwarder, nor the guard (both children of nixbox too).
                case $(cat "/proc/$p/comm" 2>/dev/null) in
                nixbox-ports | nixbox-guard) ;;
                *) echo "$p"; return 0 ;;
                esac
        done
        return 1
}

# /sys/class/net shows the namespace that mounted /sys, not ours: ask ip.
_net_has() {
        ip link show dev "$1" >/dev/null 2>&1
}

_net_mac() {
        ip -o link show dev "$1" 2>/dev/null | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2
}

_net_links() {
        ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort | tr '\n' ' '
}

# Names of the nft tables of family ip, or "?" without the nft tool.
_net_nft_tables() {
        if command -v nft >/dev/null; then
                nft list tables ip | awk '{ print $3 }' | sort | tr '\n' ' '
        else
                echo "?"
        fi
}

_net_fwd() {
        cat "/proc/sys/net/ipv4/conf/$1/forwarding"
}

# "The outside": a namespace whose eth0 (192.0.2.2/24) is cabled to the
# host's up0 (192.0.2.1/24), the host's default route. Sets OUTSIDE (pid).
# Whether pid $1 is already in a network namespace of its own (re-read each try).
_net_ns_differs() { [ "$(readlink /proc/$1/ns/net)" != "$(readlink /proc/self/ns/net)" ]; }

_net_make_outside() {
        unshare -n sleep 1000 &
        OUTSIDE=$!
        wait_for _net_ns_differs "$OUTSIDE"
        ip link add up0 type veth peer name eth0 netns "$OUTSIDE"
        ip link set up0 up
        ip addr add 192.0.2.1/24 dev up0
        nsenter --net=/proc/$OUTSIDE/ns/net sh -c 'ip link set lo up; ip link set eth0 up; ip addr add 192.0.2.2/24 dev eth0'
        ip route add default via 192.0.2.2
}

# A TCP server in namespace of pid $1 on port $2 (address $3, default
# 0.0.0.0) that answers "peer=ADDR".
_net_peer_server() {
        nsenter --net=/proc/$1/ns/net "$_NET_PY" -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[2], int(sys.argv[1]))); s.listen(512)
while True:
    c, a = s.accept(); c.sendall(("peer=%s\n" % a[0]).encode()); c.close()
' "$2" "${3:-0.0.0.0}" &
        wait_for eval "nsenter --net=/proc/$1/ns/net ss -ltn | grep -q ':$2 '"
}

# A UDP echo server in namespace of pid $1 on $3:$2 (default 0.0.0.0),
# answering "echo:DATA from PEER".
_net_udp_echo() {
        nsenter --net=/proc/$1/ns/net "$_NET_PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[2], int(sys.argv[1])))
while True:
    d, a = s.recvfrom(2048); s.sendto(b"echo:" + d + b" from " + a[0].encode(), a)
' "$2" "${3:-0.0.0.0}" &
        wait_for eval "nsenter --net=/proc/$1/ns/net ss -lun | grep -q ':$2 '"
}

# _net_udp_ask ADDR PORT: one datagram, prints the answer (or nothing).
_net_udp_ask() {
        "$_NET_PY" -c '
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM); s.settimeout(3)
for i in range(3):
    s.sendto(b"ping", (sys.argv[1], int(sys.argv[2])))
    try:
        print(s.recv(2048).decode()); break
    except socket.timeout:
        pass
' "$1" "$2"
}

# --- tests ---

t_veth_names_and_macs() { _net_run _t_veth_names_and_macs; }
_t_veth_names_and_macs() {
        local r out
        r=$(copy_fixture busybox)
        out=$(test_tmp)/out
        _net_start "$out" -M web -n "$r" -- sh -c 'cat /sys/class/net/host0/address; cat /sys/class/net/host0/operstate; echo ready; exec sleep 100'
        assert_eq "$(_net_mac ve-web)" "$("$NETSETUP" mac web host)" "MAC of ve-web"
        assert_eq "$(sed -n 1p "$out")" "$("$NETSETUP" mac web container)" "MAC of host0"
        # Without addresses host0 is the container's business, as with nspawn.
        assert_eq "$(sed -n 2p "$out")" down "host0 without addresses"
        ip -o link show ve-web | grep -q '[<,]UP[,>]' || fail "ve-web is not up"
        _net_stop
        ! _net_has ve-web || fail "ve-web left after exit"
}

t_long_machine_name_is_shortened_with_altname() { _net_run _t_long_machine_name; }
_t_long_machine_name() {
        local r out name=averyveryverylongmachinename short alt
        r=$(copy_fixture busybox)
        out=$(test_tmp)/out
        read -r short alt < <("$NETSETUP" veth-name "$name")
        assert_eq "$short" ve-averyvermBQ8 "shortened name"
        _net_start "$out" -M "$name" -n "$r" -- sh -c 'echo ready; exec sleep 100'
        _net_has "$short" || fail "no $short: $(_net_links)"
        ip -d link show "$short" | grep -q "altname $alt" || fail "no altname $alt: $(ip -d link show "$short")"
        ip link show "$alt" >/dev/null || fail "$short cannot be found by its altname"
        _net_stop
        ! _net_has "$short" || fail "$short left after exit"
}

t_addresses_ping_and_tcp() { _net_run _t_addresses; }
_t_addresses() {
        local r out got
        r=$(copy_fixture busybox)
        out=$(test_tmp)/out
        _net_start "$out" -M addr --host-address=10.0.0.1/24 --local-address=10.0.0.2/24 \
                --host-address=fd00::1/64 --local-address=fd00::2/64 "$r" -- sh -c '
                ip route; ip -6 route | grep default
                ping -c1 -W3 10.0.0.1 >/dev/null && echo ping4-ok
                ping -c1 -W3 fd00::1 >/dev/null && echo ping6-ok
                nc -ll -p 8080 -e echo hello-from-container &
                echo ready; exec sleep 100'
        grep -qx ping4-ok "$out" || fail "container cannot ping 10.0.0.1: $(cat "$out")"
        grep -qx ping6-ok "$out" || fail "container cannot ping fd00::1: $(cat "$out")"
        grep -q '^default via 10.0.0.1 dev host0' "$out" || fail "no IPv4 default route: $(cat "$out")"
        grep -q '^default via fd00::1 dev host0' "$out" || fail "no IPv6 default route: $(cat "$out")"
        ip -o addr show dev ve-addr | grep -q 'inet 10.0.0.1/24' || fail "host side address: $(ip -o addr show dev ve-addr)"
        ip route show 10.0.0.2 | grep -q 've-addr' || fail "no route to the local address"
        got=$(timeout 10 busybox nc 10.0.0.2 8080 </dev/null) || true
        assert_eq "$got" hello-from-container "TCP from the host to the container"
        _net_stop
        [[ -z $(ip route show 10.0.0.2) ]] || fail "route to the container left"
}

t_zone_containers_reach_each_other() { _net_run _t_zone; }
_t_zone() {
        local r out nb_a got
        r=$(copy_fixture busybox)
        r2=$(copy_fixture busybox zb)   # a tree in use is locked: one tree each
        out=$(test_tmp)
        _net_start "$out/a" -M za --network-zone=tz --host-address=10.1.0.1/24 --local-address=10.1.0.2/24 "$r" -- \
                sh -c 'nc -ll -p 80 -e echo hello-from-za & echo ready; exec sleep 100'
        nb_a=$NB
        ip -o link show dev vb-za | grep -q 'master vz-tz ' || fail "vb-za is not in vz-tz: $(ip -o link show dev vb-za)"
        ip -o addr show dev vz-tz | grep -q 'inet 10.1.0.1/24' || fail "host address not on the zone bridge"
        got=$(run_nb -M zb --network-zone=tz --host-address=10.1.0.1/24 --local-address=10.1.0.3/24 "$r2" -- \
                sh -c 'nc -w 5 10.1.0.2 80; ping -c1 -W3 10.1.0.1 >/dev/null && echo gateway-ok')
        assert_eq "$got" "hello-from-za
gateway-ok" "zb talks to za across the zone"
        ! _net_has vb-zb || fail "vb-zb left after zb exited"
        _net_has vz-tz || fail "zone bridge removed while za is still in it"
        NB=$nb_a
        _net_stop
        ! _net_has vz-tz || fail "zone bridge left after its last member: $(_net_links)"
}

t_port_forward_tcp_udp_from_loopback() { _net_run _t_ports; }
_t_ports() {
        local r out init got
        r=$(copy_fixture busybox)
        out=$(test_tmp)/out
        # The forwarder connects to the container's own address (10.0.0.2).
        _net_start "$out" -M pf --host-address=10.0.0.1/24 --local-address=10.0.0.2/24 \
                -p 8080:80 -p udp:5353:53 -p tcp:8081 -p 8082:81 "$r" -- \
                sh -c 'nc -ll -p 80 -e echo tcp-from-container & nc -ll -p 8081 -e echo same-port &
                       nc -ll -p 81 -e cat & echo ready; exec sleep 100'
        init=$(_net_init_pid "$NB") || fail "no PID 1"
        pgrep -P "$NB" -x nixbox-ports >/dev/null || fail "no forwarder process"
        # The forwarder stays in the host's pid namespace: PID 1 cannot see it.
        assert_eq "$(readlink /proc/"$(pgrep -P "$NB" -x nixbox-ports)"/ns/pid)" "$(readlink /proc/self/ns/pid)" \
                "the forwarder's pid namespace"
        _net_udp_echo "$init" 53
        got=$(timeout 10 busybox nc 127.0.0.1 8080 </dev/null) || true
        assert_eq "$got" tcp-from-container "TCP via 127.0.0.1"
        got=$(timeout 10 busybox nc ::1 8080 </dev/null) || true
        assert_eq "$got" tcp-from-container "TCP via ::1"
        got=$(timeout 10 busybox nc 127.0.0.1 8081 </dev/null) || true
        assert_eq "$got" same-port "TCP, container port = host port"
        # Bulk both ways at once, and the client's half-close passed on.
        got=$("$_NET_PY" -c '
import os, socket, threading
data = os.urandom(4 << 20)
s = socket.create_connection(("127.0.0.1", 8082))
def send():
    s.sendall(data); s.shutdown(socket.SHUT_WR)
t = threading.Thread(target=send); t.start()
got = bytearray()
while True:
    b = s.recv(1 << 16)
    if not b: break
    got += b
t.join()
print("same" if bytes(got) == data else "differ: %d of %d bytes" % (len(got), len(data)))')
        assert_eq "$got" same "4 MiB echoed through the forward"
        assert_eq "$(_net_udp_ask 127.0.0.1 5353)" "echo:ping from 10.0.0.2" "UDP via 127.0.0.1"
        assert_eq "$(_net_udp_ask ::1 5353)" "echo:ping from 10.0.0.2" "UDP via ::1"
        _net_stop
        got=$(timeout 5 busybox nc 127.0.0.1 8080 </dev/null 2>&1) && fail "port 8080 still forwarded after exit: $got"
        [[ -z $(pgrep -x nixbox-ports) ]] || fail "forwarder left running"
}

# The attack: a service inside bound to 127.0.0.1 only ("local only", or
# trusting 127.0.0.1 as a local admin) must not become reachable from the
# network through --port, and no forwarded client may look like loopback.
t_port_forward_never_arrives_from_loopback_and_is_capped() { _net_run _t_ports_no_loopback; }
_t_ports_no_loopback() {
        local r out init fwd got
        r=$(copy_fixture busybox)
        out=$(test_tmp)/out
        _net_start "$out" -M pfsec --host-address=10.0.0.1/24 --local-address=10.0.0.2/24 \
                -p 8085:85 -p 8086:86 -p udp:5355:55 -p udp:5356:56 "$r" -- sh -c 'echo ready; exec sleep 100'
        init=$(_net_init_pid "$NB") || fail "no PID 1"
        _net_peer_server "$init" 85 127.0.0.1
        _net_peer_server "$init" 86
        _net_udp_echo "$init" 55 127.0.0.1
        _net_udp_echo "$init" 56
        got=$(timeout 10 busybox nc 127.0.0.1 8085 </dev/null 2>&1) || true
        [[ $got == peer=* ]] && fail "a service bound to 127.0.0.1 is reachable through the forward: $got"
        got=$(timeout 10 busybox nc 127.0.0.1 8086 </dev/null) || true
        assert_eq "$got" peer=10.0.0.2 "the peer a service on 0.0.0.0 sees"
        got=$(timeout 10 busybox nc ::1 8086 </dev/null) || true
        assert_eq "$got" peer=10.0.0.2 "the peer a service on 0.0.0.0 sees, from ::1"
        assert_eq "$(_net_udp_ask 127.0.0.1 5355)" "" "UDP to a service bound to 127.0.0.1"
        assert_eq "$(_net_udp_ask 127.0.0.1 5356)" "echo:ping from 10.0.0.2" "UDP peer"
        # The forwarder's memory is the machine's: it lives in nixbox/pfsec/ports.
        fwd=$(pgrep -P "$NB" -x nixbox-ports) || fail "no forwarder"
        assert_match "$(grep '^0::' /proc/"$fwd"/cgroup)" "/nixbox/pfsec/ports$" "the forwarder's cgroup"
        # 256 connections at once; the next one is reset; a closed one frees a place.
        got=$("$_NET_PY" -c '
import socket, time
held = [socket.create_connection(("127.0.0.1", 8086)) for i in range(256)]
ok = 0
for s in held:
    s.settimeout(10)
    ok += s.recv(100).startswith(b"peer=10.0.0.2")
extra = socket.create_connection(("127.0.0.1", 8086)); extra.settimeout(10)
try:
    d = extra.recv(100)
except (ConnectionResetError, socket.timeout):
    d = b""
held[0].close(); time.sleep(0.5)
again = socket.create_connection(("127.0.0.1", 8086)); again.settimeout(10)
print(ok, "refused" if not d else d.decode().strip(), again.recv(100).decode().strip())')
        assert_eq "$got" "256 refused peer=10.0.0.2" "256 connections served, the 257th refused, then one more"
        grep -q "port forwarder: 256 connections open, refusing more" "$out" || fail "no warning: $(cat "$out")"
        _net_stop
}

# Without an address outside loopback there is nowhere to forward to.
t_port_forward_without_an_address_refuses() { _net_run _t_ports_no_address; }
_t_ports_no_address() {
        local r out init got
        r=$(copy_fixture busybox)
        out=$(test_tmp)/out
        _net_start "$out" -M pfnoaddr -p 8087:87 "$r" -- sh -c 'echo ready; exec sleep 100'
        init=$(_net_init_pid "$NB") || fail "no PID 1"
        _net_peer_server "$init" 87
        got=$(timeout 10 busybox nc 127.0.0.1 8087 </dev/null 2>&1) || true
        [[ $got == peer=* ]] && fail "forwarded to loopback: $got"
        timeout 10 busybox nc 127.0.0.1 8087 </dev/null >/dev/null 2>&1 || true
        assert_eq "$(grep -c 'no address outside loopback' "$out")" 1 "the warning, once: $(cat "$out")"
        _net_stop
}

t_masquerade_outside_sees_host_address() { _net_run _t_masquerade; }
_t_masquerade() {
        local r out got
        r=$(copy_fixture busybox)
        out=$(test_tmp)/out
        _net_make_outside
        _net_peer_server "$OUTSIDE" 9000
        # Without masquerading the outside has no way back to 10.0.0.2.
        got=$(run_nb -M mq --host-address=10.0.0.1/24 --local-address=10.0.0.2/24 "$r" -- nc -w 2 192.0.2.2 9000 2>&1) &&
                fail "reached the outside without --masquerade: $got"
        _net_start "$out" -M mq --masquerade --host-address=10.0.0.1/24 --local-address=10.0.0.2/24 "$r" -- \
                sh -c 'nc -w 5 192.0.2.2 9000; nc -ll -p 80 -e echo inside & echo ready; exec sleep 100'
        grep -qx 'peer=192.0.2.1' "$out" || fail "the outside did not see the host's address: $(cat "$out")"
        assert_eq "$(_net_fwd up0)" 1 "forwarding on the uplink while running"
        assert_eq "$(_net_fwd ve-mq)" 1 "forwarding on ve-mq"
        assert_eq "$(cat /proc/sys/net/ipv4/ip_forward)" 0 "global ip_forward untouched"
        # Forwarding is for the container's connections only: the outside
        # cannot open one through the host.
        nsenter --net=/proc/$OUTSIDE/ns/net ip route add 10.0.0.0/24 via 192.0.2.1
        got=$(nsenter --net=/proc/$OUTSIDE/ns/net timeout 5 busybox nc -w 2 10.0.0.2 80 </dev/null 2>&1) &&
                fail "the outside opened a connection into the container: $got"
        case $(_net_nft_tables) in
        "?") ;;
        *nixbox-mq*) ;;
        *) fail "no table ip nixbox-mq: $(_net_nft_tables)" ;;
        esac
        _net_stop
        assert_eq "$(_net_fwd up0)" 0 "forwarding on the uplink after exit"
        [[ $(_net_nft_tables) == "?" || -z $(_net_nft_tables) ]] || fail "nft tables left: $(_net_nft_tables)"
        kill "$OUTSIDE"
}

t_interfaces_moved_in_and_extra_links() { _net_run _t_interfaces; }
_t_interfaces() {
        local r out mac
        r=$(copy_fixture busybox)
        out=$(test_tmp)/out
        # No dummy driver everywhere: veth pairs stand for physical links.
        ip link add phy0 type veth peer name phy0p
        ip link add phy1 type veth peer name phy1p
        ip link set phy1 up
        mac=$(_net_mac phy0)
        _net_start "$out" -M ifs --network-interface=phy0:eth7 --network-veth-extra=vx1:vx1c --network-macvlan=phy1 "$r" -- \
                sh -c 'for l in eth7 vx1c mv-phy1; do echo "$l $(cat /sys/class/net/$l/address)"; done; echo ready; exec sleep 100'
        grep -qx "eth7 $mac" "$out" || fail "phy0 not moved in as eth7: $(cat "$out")"
        grep -qx "vx1c $("$NETSETUP" mac ifs veth-extra-container)" "$out" || fail "vx1c: $(cat "$out")"
        grep -qx "mv-phy1 $("$NETSETUP" mac ifs macvlan)" "$out" || fail "mv-phy1: $(cat "$out")"
        ! _net_has phy0 || fail "phy0 still on the host"
        assert_eq "$(_net_mac vx1)" "$("$NETSETUP" mac ifs veth-extra-host)" "MAC of vx1"
        _net_stop
        [[ $(_net_mac phy0) == "$mac" ]] || fail "phy0 not moved back: $(_net_links)"
        ! _net_has vx1 || fail "vx1 left after exit"
}

t_invalid_options_are_rejected() { _net_run _t_invalid; }
_t_invalid() {
        local r spec out rc
        r=$(copy_fixture busybox)
        for spec in 0 65536 tcp: sctp:80 80: :80 -1 80:90:100 tcp:80:0 abc udp:x ""; do
                rc=0
                out=$("$NIXBOX" run -q -p "$spec" "$r" -- true 2>&1 </dev/null) || rc=$?
                assert_eq $rc 125 "exit status for --port='$spec'"
                assert_match "$out" "invalid port forwarding \"$spec\": expected \[tcp:\|udp:\]HOSTPORT\[:CONTAINERPORT\]" \
                        "message for --port='$spec'"
        done
        rc=0; out=$(run_nb -p 80 -p tcp:80:81 "$r" -- true 2>&1) || rc=$?
        assert_eq $rc 125 "a host port forwarded twice"
        assert_match "$out" "forwarded twice" "message for a host port forwarded twice"
        run_nb -M twoproto -p 8082 -p udp:8082 "$r" -- true || fail "tcp and udp on the same port refused"
        rc=0; out=$(run_nb --network-namespace-path=/proc/self/ns/net -n "$r" -- true 2>&1) || rc=$?
        assert_eq $rc 125 "--network-namespace-path with --network-veth"
        assert_match "$out" "cannot be combined" "message for --network-namespace-path with others"
        rc=0; out=$(run_nb --share-network -p 80 "$r" -- true 2>&1) || rc=$?
        assert_eq $rc 125 "--port without a private network"
        rc=0; out=$(run_nb --network-bridge=br0 --network-zone=z "$r" -- true 2>&1) || rc=$?
        assert_match "$out" "mutually exclusive" "bridge and zone"
        rc=0; out=$(run_nb -n --masquerade "$r" -- true 2>&1) || rc=$?
        assert_match "$out" "needs an IPv4" "--masquerade without an address"
        [[ $(_net_links) == "lo " ]] || fail "links left by refused runs: $(_net_links)"
}

t_taken_port_fails_and_undoes_the_rest() { _net_run _t_taken_port; }
_t_taken_port() {
        local r out rc=0 holder
        r=$(copy_fixture busybox)
        "$_NET_PY" -c 'import socket, time; s = socket.socket(); s.bind(("0.0.0.0", 8095)); s.listen(); time.sleep(60)' &
        holder=$!
        wait_for eval 'ss -ltn | grep -q ":8095 "'
        out=$(run_nb -M taken -n --host-address=10.3.0.1/24 --local-address=10.3.0.2/24 -p 8095 "$r" -- true 2>&1) || rc=$?
        kill "$holder"
        assert_eq $rc 125 "exit status when the host port is taken"
        assert_match "$out" "forward tcp port 8095: listen on 0.0.0.0: Address already in use" "message"
        [[ $(_net_links) == "lo " ]] || fail "links left after the failed start: $(_net_links)"
        [[ -z $(ip route show 10.3.0.2) ]] || fail "route left after the failed start"
}

t_stale_veth_is_removed_by_the_next_run() { _net_run _t_stale_veth; }
_t_stale_veth() {
        local r
        r=$(copy_fixture busybox)
        # What a killed run leaves when something pins its namespace.
        ip link add ve-stale type veth peer name stale-peer
        run_nb -M stale -n "$r" -- true || fail "run with a stale ve-stale failed"
        [[ $(_net_links) == "lo " ]] || fail "links left: $(_net_links)"
}

t_nothing_left_after_stop_and_after_kill() { _net_run _t_leftovers; }
_t_leftovers() {
        local r out opts init base="lo up0 "
        r=$(copy_fixture busybox)
        out=$(test_tmp)/out
        _net_make_outside
        opts=(-M kl --network-zone=kz --host-address=10.2.0.1/24 --local-address=10.2.0.2/24 --masquerade
              --network-veth-extra=kx1 -p 8090:80)

        _net_start "$out" "${opts[@]}" "$r" -- sh -c 'echo ready; exec sleep 100'
        _net_stop
        assert_eq "$(_net_links)" "$base" "links after a stop"
        [[ $(_net_nft_tables) == "?" || -z $(_net_nft_tables) ]] || fail "nft tables after a stop: $(_net_nft_tables)"
        assert_eq "$(_net_fwd up0)" 0 "uplink forwarding after a stop"
        [[ -z $(ip route show 10.2.0.2) ]] || fail "route left after a stop"

        _net_start "$out" "${opts[@]}" "$r" -- sh -c 'echo ready; exec sleep 100'
        init=$(_net_init_pid "$NB")
        kill -KILL "$NB"
        wait "$NB" 2>/dev/null || true
        wait_for test ! -e "/proc/$init" || fail "PID 1 survived its nixbox"
        # Gone with nixbox: the veths (with the namespace), the forwarder, the
        # machine's nft table (owned by nixbox's netlink socket).
        wait_for eval '! _net_has vb-kl' || fail "vb-kl left after SIGKILL"
        wait_for eval '! _net_has kx1' || fail "kx1 left after SIGKILL"
        wait_for sh -c '! pgrep -x nixbox-ports >/dev/null' || fail "forwarder survived its nixbox"
        timeout 5 busybox nc 127.0.0.1 8090 </dev/null 2>/dev/null && fail "port still forwarded after SIGKILL"
        [[ $(_net_nft_tables) != *nixbox-kl* ]] || fail "table nixbox-kl left after SIGKILL"
        # The inert rest (the empty zone bridge, the fenced uplink forwarding)
        # goes with the next run of the machine.
        run_nb "${opts[@]}" "$r" -- true || fail "the next run failed"
        assert_eq "$(_net_links)" "$base" "links after the next run"
        [[ $(_net_nft_tables) == "?" || -z $(_net_nft_tables) ]] || fail "nft tables after the next run: $(_net_nft_tables)"
        assert_eq "$(_net_fwd up0)" 0 "uplink forwarding after the next run"
        kill "$OUTSIDE"
}
