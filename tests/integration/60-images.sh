# SPDX-License-Identifier: LGPL-2.1-or-later
# Images in the machines directory /var/lib/nixbox: `nixbox import-tar` of
# tarballs the tests build (NixOS make-system-tarball layout, LXC/LXD
# rootfs tarballs, every compression), the refusal of malicious members,
# booting an imported image by name, and `nixbox remove`.
#
# The machines directory is fixed, so the tests use unique image names
# (nbtest-img-*) and check themselves that nothing of theirs is left there
# (the runner's leak check does not look at /var/lib/nixbox).

MACHINES=/var/lib/nixbox
IMAGES=()

# new_image VAR: puts a fresh image name into VAR; the image and its partial
# directories are removed when the test's bash exits, whatever happened.
new_image() {
        local n="nbtest-img-$$-$RANDOM"
        IMAGES+=("$n")
        trap 'images_cleanup; remove_tree "$TEST_TMP"' EXIT
        printf -v "$1" %s "$n"
}

images_cleanup() {
        local n p
        for n in "${IMAGES[@]}"; do
                remove_tree "$MACHINES/$n"
                for p in "$MACHINES/.$n.partial-"*; do remove_tree "$p"; done
        done
}

# What is left in the machines directory of this test's images.
images_left() {
        local n
        for n in "${IMAGES[@]}"; do
                [ -e "$MACHINES/$n" ] && echo "$MACHINES/$n"
                ls -d "$MACHINES/.$n".* 2>/dev/null
        done
        true
}

# Entries of the machines directory whose name contains $1 (partial ones too).
entries_named() {
        local e n=0
        for e in "$MACHINES"/*"$1"* "$MACHINES"/.*"$1"*; do
                [ -e "$e" ] && n=$((n + 1))
        done
        echo $n
}

assert_no_images() {
        local left
        left=$(images_left)
        [ -z "$left" ] || fail "left behind in $MACHINES: $left"
}

# listing DIR: every entry (the top too) with its type, mode, owner, size
# (not of directories), symlink target and mtime.
listing() {
        (cd "$1" && find . \( -type d -printf '%P d %m %U:%G - - %T@\n' \) -o -printf '%P %y %m %U:%G %s %l %T@\n' | sort)
}

# same_tree A B WHAT [FILTER]: A and B list alike (after sed FILTER), or the
# differences are shown.
same_tree() {
        local d
        d=$(diff <(listing "$1" | sed "${4:-}") <(listing "$2" | sed "${4:-}") | head -20) || true
        [ -z "$d" ] || fail "$3 differs from its source:
$d"
}
NO_TIME='s/ [^ ]*$//'            # same_tree filters: no mtimes,
SECONDS_ONLY='s/\.[0-9]*$//'     # whole seconds (tar's ustar/GNU headers)

# craft_tar OUT < SPEC: a tarball written member by member from lines
# "TYPE NAME [TARGET]" (TYPE: file dir symlink hardlink chr blk fifo), with
# the names exactly as given (tar(1) would clean them up).
CRAFT_TAR='
import io, sys, tarfile
types = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
         "hardlink": tarfile.LNKTYPE, "chr": tarfile.CHRTYPE, "blk": tarfile.BLKTYPE, "fifo": tarfile.FIFOTYPE}
with tarfile.open(sys.argv[1], "w", format=tarfile.GNU_FORMAT) as t:
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        ti = tarfile.TarInfo(words[1])
        ti.type = types[words[0]]
        ti.mode = 0o755 if words[0] == "dir" else 0o644
        if len(words) > 2:
            ti.linkname = words[2]
        if words[0] in ("chr", "blk"):
            ti.devmajor, ti.devminor = 1, 3
        if words[0] == "file":
            data = b"data of " + words[1].encode() + b"\n"
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
        else:
            t.addfile(ti)
'
craft_tar() { python3 -c "$CRAFT_TAR" "$1"; }

# A NixOS-like tree (as lxc-container.nix's tarball has it): the system in
# the store, /sbin/init an absolute symlink into it, /nix-path-registration.
make_nixos_like() {
        local r=$1 sys=$2
        mkdir -p "$r/$sys/sw/bin" "$r/var/empty"
        cp "$r/bin/nixbox-test-init" "$r/$sys/init"
        ln "$r/$sys/init" "$r/$sys/init.hardlink"
        cp "$r/bin/busybox" "$r/$sys/sw/bin/setuid-prog"
        chmod 4755 "$r/$sys/sw/bin/setuid-prog"
        rm -f "$r/sbin/init"
        ln -s "/$sys/init" "$r/sbin/init"
        printf '/%s\nsha256:0000000000000000000000000000000000000000000000000000\n4096\n\n0\n' "$sys" \
                >"$r/nix-path-registration"
        chmod 0555 "$r/$sys"
}

# boot_bg OUT ARGS...: nixbox run in the background, console to OUT; sets $BOOT_PID.
boot_bg() {
        local out=$1; shift
        "$NIXBOX" run -q "$@" </dev/null > >(sed -u 's/\r$//' >"$out") 2>&1 &
        BOOT_PID=$!
}

t_import_nixos_tarball_boots_and_is_removed() {
        local r name out rc sys=nix/store/0123456789abcdfghijklmnpqrsvwxyz-nixos-system-nbtest
        new_image name
        r=$(copy_fixture busybox tree)
        make_nixos_like "$r" "$sys"
        # As nixpkgs' make-system-tarball.sh makes it.
        tar --sort=name --mtime=@1 --owner=0 --group=0 --numeric-owner -C "$r" -c . | xz -T0 >"$TEST_TMP/$name.tar.xz"
        "$NIXBOX" import-tar "$TEST_TMP/$name.tar.xz" 2>"$TEST_TMP/err" || fail "import-tar failed: $(cat "$TEST_TMP/err")"
        grep -q "imported .* as image $name" "$TEST_TMP/err" || fail "no summary: $(cat "$TEST_TMP/err")"
        [ -d "$MACHINES/$name" ] || fail "no $MACHINES/$name"
        assert_eq "$(entries_named "$name")" 1 "only the image itself in $MACHINES"
        same_tree "$MACHINES/$name" "$r" "imported tree" "$NO_TIME"
        assert_eq "$(find "$MACHINES/$name" -printf '%T@\n' | sort -u)" "1.0000000000" "mtimes"
        cmp "$r/nix-path-registration" "$MACHINES/$name/nix-path-registration" || fail "/nix-path-registration differs"
        assert_eq "$(readlink "$MACHINES/$name/sbin/init")" "/$sys/init" "/sbin/init target"
        assert_eq "$(stat -c %i "$MACHINES/$name/$sys/init")" "$(stat -c %i "$MACHINES/$name/$sys/init.hardlink")" "hard link"
        assert_eq "$(stat -c %a "$MACHINES/$name/$sys/sw/bin/setuid-prog")" 4755 "setuid bit"

        # `nixbox run NAME` finds it in the machines directory.
        out=$TEST_TMP/out
        boot_bg "$out" -b "$name" -- nixbox-test-init.exit=0
        wait_for grep -q "nixbox-test-init: ready" "$out" || fail "init not ready: $(cat "$out")"
        grep -q "pid=1" "$out" || fail "init is not PID 1: $(cat "$out")"
        kill -TERM $BOOT_PID
        rc=0; wait $BOOT_PID || rc=$?
        assert_eq $rc 0 "exit status of the boot"

        "$NIXBOX" remove "$name" || fail "remove failed"
        assert_no_images
}

t_import_keeps_metadata_in_every_compression() {
        local r name comp f long
        r=$(copy_fixture busybox tree)
        # Owners, modes, sub-second mtimes, xattrs, hard links, long names.
        echo owned >"$r/etc/owned"
        chown 1234:5678 "$r/etc/owned"
        ln -s owned "$r/etc/relative-link"
        ln -sf /etc/owned "$r/etc/absolute-link"
        chown -h 4321:8765 "$r/etc/absolute-link"
        mkdir -m 2750 "$r/srv"
        cp "$r/bin/busybox" "$r/srv/suid"
        chmod 6711 "$r/srv/suid"
        ln "$r/srv/suid" "$r/srv/suid.link"
        : >"$r/srv/empty"
        touch -h -d '2001-02-03 04:05:06.123456789' "$r/etc/owned" "$r/etc/relative-link" "$r/srv"
        long=$r/usr/share/$(printf 'a%.0s' {1..90})/$(printf 'b%.0s' {1..90})
        mkdir -p "$long"
        echo long >"$long/$(printf 'c%.0s' {1..150})"
        python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.nbtest", b"hello\0world")' "$r/etc/owned"
        # A file capability (cap_net_raw+ep, VFS_CAP_REVISION_2): it must
        # survive the chown that clears it.
        cp "$r/bin/busybox" "$r/srv/capable"
        python3 -c 'import os, struct, sys; os.setxattr(sys.argv[1], "security.capability", struct.pack("<5I", 0x02000001, 1 << 13, 0, 0, 0))' "$r/srv/capable"
        tar --format=posix --xattrs --xattrs-include='user.*' --xattrs-include=security.capability --numeric-owner \
                -C "$r" -c . >"$TEST_TMP/base.tar"

        for comp in none xz gzip zstd bzip2; do
                # zstd and bzip2 come from tests/install-deps.sh; test what is there.
                [ $comp = none ] || command -v $comp >/dev/null || { echo "note: no $comp program: not tested"; continue; }
                new_image name
                case $comp in
                none) f=$TEST_TMP/$name.tar; cp "$TEST_TMP/base.tar" "$f" ;;
                xz) f=$TEST_TMP/$name.tar.xz; xz -c "$TEST_TMP/base.tar" >"$f" ;;
                gzip) f=$TEST_TMP/$name.tar.gz; gzip -c "$TEST_TMP/base.tar" >"$f" ;;
                zstd) f=$TEST_TMP/$name.tar.zst; zstd -q -c "$TEST_TMP/base.tar" >"$f" ;;
                bzip2) f=$TEST_TMP/$name.tar.bz2; bzip2 -c "$TEST_TMP/base.tar" >"$f" ;;
                esac
                # The name comes from the file name.
                "$NIXBOX" import-tar -q "$f" 2>"$TEST_TMP/err" || fail "import of $comp failed: $(cat "$TEST_TMP/err")"
                ! grep -v "has mode" "$TEST_TMP/err" || fail "-q import printed more than warnings"
                same_tree "$MACHINES/$name" "$r" "tree imported from $comp"
                assert_eq "$(python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "user.nbtest"))' "$MACHINES/$name/etc/owned")" \
                        "b'hello\\x00world'" "xattr ($comp)"
                assert_eq "$(stat -c %i "$MACHINES/$name/srv/suid")" "$(stat -c %i "$MACHINES/$name/srv/suid.link")" "hard link ($comp)"
                assert_eq "$(python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "security.capability").hex())' "$MACHINES/$name/srv/capable")" \
                        0100000200200000000000000000000000000000 "file capability ($comp)"
                "$NIXBOX" remove "$name" || fail "remove failed"
        done
        assert_no_images
}

t_import_lxd_and_plain_lxc_tarballs() {
        local d=$TEST_TMP/lxd unified plain
        mkdir -p "$d/templates"
        cp -a "$BUSYBOX_ROOT" "$d/rootfs"
        printf 'architecture: x86_64\ncreation_date: 1\nproperties:\n  os: nixos\n' >"$d/metadata.yaml"
        echo '{{ container.name }}' >"$d/templates/hostname.tpl"
        tar --numeric-owner -C "$d" -c metadata.yaml templates rootfs | xz >"$TEST_TMP/lxd.tar.xz"
        new_image unified
        "$NIXBOX" import-tar "$TEST_TMP/lxd.tar.xz" "$unified" 2>"$TEST_TMP/err" || fail "import failed: $(cat "$TEST_TMP/err")"
        grep -q "LXD image" "$TEST_TMP/err" || fail "LXD layout not reported: $(cat "$TEST_TMP/err")"
        same_tree "$MACHINES/$unified" "$BUSYBOX_ROOT" "tree from rootfs/" "$SECONDS_ONLY"
        assert_eq "$(entries_named "$unified")" 1 "metadata and partial directory removed"
        assert_eq "$(run_nb "$unified" -- sh -c '. /etc/os-release; echo $ID')" busybox-fixture "run the LXD image by name"

        # A plain rootfs tarball without a "./" member nor directory members:
        # missing parents are made (0755, root).
        (cd "$BUSYBOX_ROOT" && find bin etc sbin ! -type d | tar --numeric-owner --no-recursion -T - -c) | gzip >"$TEST_TMP/plain.tar.gz"
        new_image plain
        "$NIXBOX" import-tar -q "$TEST_TMP/plain.tar.gz" "$plain" || fail "import of the plain tarball failed"
        assert_eq "$(stat -c '%a %U' "$MACHINES/$plain" "$MACHINES/$plain/bin")" "755 root
755 root" "implicit directories"
        cmp "$BUSYBOX_ROOT/etc/os-release" "$MACHINES/$plain/etc/os-release" || fail "content differs"
        "$NIXBOX" remove "$unified" "$plain" || fail "remove failed"
        assert_no_images
}

t_import_refuses_malicious_members() {
        local name host=$TEST_TMP/hostdir evil="nbtest-evil-$$-$RANDOM" before t=$TEST_TMP
        mkdir -p "$host"
        echo secret >"$host/secret"
        before=$(ls -lAR --time-style=+%s "$host")
        new_image name

        refused() {     # TARBALL MEMBER: the import fails naming MEMBER, leaving nothing
                local rc=0
                "$NIXBOX" import-tar "$1" "$name" 2>"$t/err" || rc=$?
                [ $rc -ne 0 ] || fail "$1 was imported"
                grep -qF "'$2'" "$t/err" || fail "$1: the error does not name member $2: $(cat "$t/err")"
                assert_no_images
                assert_eq "$(ls -lAR --time-style=+%s "$host")" "$before" "$1: host directory untouched"
                [ ! -e "$MACHINES/$evil" ] && [ ! -e "/var/lib/$evil" ] || fail "$1: wrote outside the image"
        }

        printf 'file good\nfile ../%s\n' "$evil" | craft_tar "$t/dotdot.tar"
        refused "$t/dotdot.tar" "../$evil"
        printf 'dir sub\nfile sub/../../%s\n' "$evil" | craft_tar "$t/dotdot2.tar"
        refused "$t/dotdot2.tar" "sub/../../$evil"
        printf 'file good\nfile %s/abs\n' "$host" | craft_tar "$t/abs.tar"
        refused "$t/abs.tar" "$host/abs"
        # A symlink to a host directory, then a member through it.
        printf 'symlink link %s\nfile link/file\n' "$host" | craft_tar "$t/through-symlink.tar"
        refused "$t/through-symlink.tar" "link/file"
        printf 'symlink link %s\ndir link/sub\n' "$host" | craft_tar "$t/dir-through-symlink.tar"
        refused "$t/dir-through-symlink.tar" "link/sub/"
        # A hard link to a host file through such a symlink, or by '..'.
        printf 'symlink link %s\nhardlink stolen link/secret\n' "$host" | craft_tar "$t/hardlink.tar"
        refused "$t/hardlink.tar" "stolen"
        assert_eq "$(stat -c %h "$host/secret")" 1 "no hard link to the host file"
        printf 'hardlink stolen ../../../%s/secret\n' "$host" | craft_tar "$t/hardlink2.tar"
        refused "$t/hardlink2.tar" "stolen"
        # A device node is skipped, never made (t_import_real_tarballs...),
        # but its name is checked like any other.
        printf 'chr ../dev-null\n' | craft_tar "$t/chr.tar"
        refused "$t/chr.tar" "../dev-null"

        # A symlink to a host directory is fine as long as nothing goes
        # through it; so is replacing it by a later member.
        printf 'symlink link %s\nsymlink link2 /etc\ndir link2\nfile link2/passwd\n' "$host" | craft_tar "$t/ok.tar"
        "$NIXBOX" import-tar -q "$t/ok.tar" "$name" || fail "harmless symlinks refused"
        assert_eq "$(readlink "$MACHINES/$name/link")" "$host" "symlink kept as it is"
        [ -d "$MACHINES/$name/link2" ] && [ ! -L "$MACHINES/$name/link2" ] || fail "later member did not replace the symlink"
        assert_eq "$(cat "$MACHINES/$name/link2/passwd")" "data of link2/passwd" "file in the replacing directory"
        assert_eq "$(ls -lAR --time-style=+%s "$host")" "$before" "host directory untouched"
        "$NIXBOX" remove "$name"
        assert_no_images
}

# Archives of debootstrap or mmdebstrap trees carry /dev's nodes: they are
# skipped with one warning (a container gets its own /dev); fifos are made.
# A refused member of a compressed archive is named (not "xz was killed by
# signal 13"); '-' reads standard input, a pipe or a file; a file that is
# not a tar archive says so.
t_import_real_tarballs_skip_devices_read_stdin_and_name_refusals() {
        local name name2 name3 t=$TEST_TMP rc
        new_image name; new_image name2; new_image name3
        printf 'dir dev\nchr dev/null\nchr dev/console\nblk dev/loop0\nfifo run-initctl\nfile etc-file\n' |
                craft_tar "$t/devs.tar"
        xz -T1 -c "$t/devs.tar" >"$t/devs.tar.xz"
        "$NIXBOX" import-tar "$t/devs.tar.xz" "$name" 2>"$t/err" || fail "import with device nodes failed: $(cat "$t/err")"
        assert_eq "$(grep -c 'device node' "$t/err")" 1 "one summary warning: $(cat "$t/err")"
        assert_match "$(cat "$t/err")" "skipped 3 device nodes \(the first: 'dev/null'\)" "warning names the count and the first"
        [ -d "$MACHINES/$name/dev" ] && [ -z "$(ls -A "$MACHINES/$name/dev")" ] || fail "device nodes were made"
        [ -p "$MACHINES/$name/run-initctl" ] || fail "fifo not made"
        assert_eq "$(cat "$MACHINES/$name/etc-file")" "data of etc-file" "file after the device nodes"

        # Standard input: a pipe (compressed or not) and a redirected file.
        tar --numeric-owner -C "$BUSYBOX_ROOT" -c . | gzip | "$NIXBOX" import-tar -q - "$name2" ||
                fail "import of a gzip pipe on stdin failed"
        [ -x "$MACHINES/$name2/bin/busybox" ] || fail "stdin image incomplete"
        "$NIXBOX" import-tar -q - "$name3" <"$t/devs.tar" || fail "import of a file on stdin failed"
        [ -p "$MACHINES/$name3/run-initctl" ] || fail "stdin file image incomplete"
        rc=0; "$NIXBOX" import-tar - </dev/null 2>"$t/err" || rc=$?
        [ $rc -eq 125 ] && grep -q "cannot make an image name from '-'" "$t/err" || fail "stdin without a name: $rc $(cat "$t/err")"
        "$NIXBOX" remove "$name" "$name2" "$name3"

        # A refused member deep in a compressed archive: named, no signal 13.
        head -c 3000000 /dev/urandom >"$t/big"
        printf 'file good\nfile ../escape\n' | craft_tar "$t/evil.tar"
        tar -C "$t" -cf "$t/evil-big.tar" big && tar -Af "$t/evil-big.tar" "$t/evil.tar"
        for z in xz gzip zstd bzip2; do
                command -v $z >/dev/null || continue
                $z -c "$t/evil-big.tar" >"$t/evil-big.tar.$z"
                rc=0; "$NIXBOX" import-tar "$t/evil-big.tar.$z" "$name" 2>"$t/err" || rc=$?
                [ $rc -eq 125 ] || fail "$z: refused archive imported"
                grep -q "member '../escape'" "$t/err" && ! grep -q "signal" "$t/err" ||
                        fail "$z: the message does not name the member: $(cat "$t/err")"
        done

        # Not a tar archive, compressed or not; an empty file.
        echo hello >"$t/notes.txt"
        head -c 4096 /dev/urandom >"$t/random.bin"
        gzip -c "$t/notes.txt" >"$t/notes.txt.gz"
        : >"$t/empty.tar"
        for f in notes.txt random.bin notes.txt.gz; do
                rc=0; "$NIXBOX" import-tar "$t/$f" "$name" 2>"$t/err" || rc=$?
                [ $rc -eq 125 ] && grep -q "not a tar archive" "$t/err" || fail "$f: $rc $(cat "$t/err")"
        done
        rc=0; "$NIXBOX" import-tar "$t/empty.tar" "$name" 2>"$t/err" || rc=$?
        [ $rc -eq 125 ] && grep -q "the archive is empty" "$t/err" || fail "empty file: $rc $(cat "$t/err")"
        assert_no_images
}

t_import_refuses_bad_names_and_existing_images() {
        local name stale f=$TEST_TMP/bb.tar.gz bad rc
        tar --numeric-owner -C "$BUSYBOX_ROOT" -c . | gzip >"$f"
        for bad in ../x .hidden a/b "" 'x y' a..b "$(printf 'a%.0s' {1..65})"; do
                rc=0; "$NIXBOX" import-tar "$f" "$bad" 2>"$TEST_TMP/err" || rc=$?
                [ $rc -ne 0 ] && grep -q "invalid image name" "$TEST_TMP/err" || fail "name '$bad' accepted: $(cat "$TEST_TMP/err")"
        done
        cp "$f" "$TEST_TMP/bad name.tar.gz"
        rc=0; "$NIXBOX" import-tar "$TEST_TMP/bad name.tar.gz" 2>"$TEST_TMP/err" || rc=$?
        [ $rc -ne 0 ] && grep -q "cannot make an image name" "$TEST_TMP/err" || fail "bad default name: $(cat "$TEST_TMP/err")"

        new_image name
        "$NIXBOX" import-tar -q "$f" "$name" || fail "import failed"
        rc=0; "$NIXBOX" import-tar "$f" "$name" 2>"$TEST_TMP/err" || rc=$?
        [ $rc -ne 0 ] && grep -q "exists already" "$TEST_TMP/err" || fail "existing image overwritten: $(cat "$TEST_TMP/err")"
        [ -x "$MACHINES/$name/bin/busybox" ] || fail "existing image damaged"
        assert_eq "$(entries_named "$name")" 1 "no partial directory of the refused import"

        # A partial directory whose import was killed is swept by the next import.
        new_image stale
        mkdir -p "$MACHINES/.$stale.partial-nbtest/etc"
        "$NIXBOX" import-tar "$f" "$stale" 2>"$TEST_TMP/err" || fail "import failed: $(cat "$TEST_TMP/err")"
        [ ! -e "$MACHINES/.$stale.partial-nbtest" ] || fail "stale partial directory not swept"

        # An image without os-release: imported, with a warning.
        tar -C "$BUSYBOX_ROOT" --exclude=./etc/os-release -c . >"$TEST_TMP/no-os-release.tar"
        new_image bare
        "$NIXBOX" import-tar "$TEST_TMP/no-os-release.tar" "$bare" 2>"$TEST_TMP/err" || fail "import failed"
        grep -q -- "--check-os-release=no" "$TEST_TMP/err" || fail "no os-release warning: $(cat "$TEST_TMP/err")"

        rc=0; "$NIXBOX" remove "nbtest-img-none-$$" 2>"$TEST_TMP/err" || rc=$?
        [ $rc -ne 0 ] && grep -q "no image" "$TEST_TMP/err" || fail "remove of a missing image: $(cat "$TEST_TMP/err")"
        rc=0; "$NIXBOX" remove .. 2>"$TEST_TMP/err" || rc=$?
        [ $rc -ne 0 ] && grep -q "invalid image name" "$TEST_TMP/err" || fail "remove ..: $(cat "$TEST_TMP/err")"
        "$NIXBOX" remove "$name" "$stale" "$bare" || fail "remove failed"
        assert_no_images
}

t_import_corrupt_or_interrupted_leaves_nothing() {
        local name other rc f=$TEST_TMP/bb.tar pid
        new_image name
        tar --numeric-owner -C "$BUSYBOX_ROOT" -c . >"$f"
        xz -c "$f" | head -c 100000 >"$TEST_TMP/truncated.tar.xz"
        rc=0; "$NIXBOX" import-tar "$TEST_TMP/truncated.tar.xz" "$name" 2>"$TEST_TMP/err" || rc=$?
        [ $rc -ne 0 ] && grep -q "xz" "$TEST_TMP/err" || fail "truncated xz: $(cat "$TEST_TMP/err")"
        assert_no_images
        head -c 300000 "$f" >"$TEST_TMP/truncated.tar"
        rc=0; "$NIXBOX" import-tar "$TEST_TMP/truncated.tar" "$name" 2>"$TEST_TMP/err" || rc=$?
        [ $rc -ne 0 ] && grep -q "truncated" "$TEST_TMP/err" || fail "truncated tar: $(cat "$TEST_TMP/err")"
        assert_no_images
        head -c 100000 /dev/urandom >"$TEST_TMP/random.tar"
        rc=0; "$NIXBOX" import-tar "$TEST_TMP/random.tar" "$name" 2>"$TEST_TMP/err" || rc=$?
        [ $rc -ne 0 ] && grep -q "not a tar archive" "$TEST_TMP/err" || fail "random data: $(cat "$TEST_TMP/err")"
        assert_no_images

        # A decompressor that stalls half-way (nixbox runs it as nobody: its
        # directory must be reachable).
        chmod 0755 "$TEST_TMP"
        mkdir -m 0755 "$TEST_TMP/bin"
        cat >"$TEST_TMP/bin/gzip" <<'EOF'
#!/usr/bin/python3
import sys, time, zlib
d = zlib.decompressobj(16 + zlib.MAX_WBITS)
sys.stdout.buffer.write(d.decompress(sys.stdin.buffer.read(100000)))
sys.stdout.buffer.flush()
time.sleep(60)
EOF
        chmod 0755 "$TEST_TMP/bin/gzip"
        gzip -c "$f" >"$f.gz"
        partial_filled() { ls -A "$MACHINES/.$name.partial-"*/ 2>/dev/null | grep -q .; }
        stalled_gone() { ! pgrep -f "$TEST_TMP/bin/gzip" >/dev/null; }

        PATH=$TEST_TMP/bin:$PATH "$NIXBOX" import-tar "$f.gz" "$name" 2>"$TEST_TMP/err" &
        pid=$!
        wait_for partial_filled || fail "import did not start: $(cat "$TEST_TMP/err")"
        kill -TERM $pid
        rc=0; wait $pid || rc=$?
        [ $rc -ne 0 ] && grep -q "interrupted" "$TEST_TMP/err" || fail "SIGTERM: status $rc, $(cat "$TEST_TMP/err")"
        wait_for stalled_gone || fail "decompressor still running"
        assert_no_images

        # Killed outright: the partial directory stays until the next import.
        PATH=$TEST_TMP/bin:$PATH "$NIXBOX" import-tar "$f.gz" "$name" 2>"$TEST_TMP/err" &
        pid=$!
        wait_for partial_filled || fail "import did not start: $(cat "$TEST_TMP/err")"
        kill -KILL $pid
        wait $pid || true
        wait_for stalled_gone || fail "decompressor outlived nixbox"
        new_image other
        "$NIXBOX" import-tar -q "$f" "$other" || fail "import failed"
        "$NIXBOX" remove "$other"
        assert_no_images
}

t_import_progress_only_on_a_terminal() {
        local a b f=$TEST_TMP/bb.tar.xz
        tar --numeric-owner -C "$BUSYBOX_ROOT" -c . | xz >"$f"
        new_image a
        new_image b
        script -qec "$NIXBOX import-tar $f $a" /dev/null </dev/null >"$TEST_TMP/tty" || fail "import on a terminal failed: $(cat "$TEST_TMP/tty")"
        grep -q $'\r'"$f: .* / .* (100%)" "$TEST_TMP/tty" || fail "no progress on a terminal: $(cat -A "$TEST_TMP/tty")"
        "$NIXBOX" import-tar "$f" "$b" 2>"$TEST_TMP/err" || fail "import failed"
        ! grep -q $'\r' "$TEST_TMP/err" && ! grep -q '%)' "$TEST_TMP/err" || fail "progress without a terminal: $(cat -A "$TEST_TMP/err")"
        "$NIXBOX" remove "$a" "$b"
        assert_no_images
}

t_remove_clears_immutable_flags_and_refuses_running_machines() {
        local name r out rc
        r=$(copy_fixture busybox tree)
        mkdir -p "$r/var/empty"
        tar --numeric-owner -C "$r" -c . >"$TEST_TMP/t.tar"
        new_image name
        "$NIXBOX" import-tar -q "$TEST_TMP/t.tar" "$name" || fail "import failed"
        # NixOS makes /var/empty immutable; also an append-only log and an immutable file.
        chattr +i "$MACHINES/$name/var/empty" 2>/dev/null || skip "chattr +i unsupported on $MACHINES"
        echo log >"$MACHINES/$name/var/log/append.log"
        chattr +a "$MACHINES/$name/var/log/append.log"
        chattr +i "$MACHINES/$name/etc/os-release" "$MACHINES/$name/var/log"

        out=$TEST_TMP/out
        boot_bg "$out" -b "$name"
        wait_for grep -q "nixbox-test-init: ready" "$out" || fail "init not ready: $(cat "$out")"
        rc=0; "$NIXBOX" remove "$name" 2>"$TEST_TMP/err" || rc=$?
        [ $rc -ne 0 ] && grep -q "running" "$TEST_TMP/err" || fail "removed a running image: $(cat "$TEST_TMP/err")"
        [ -x "$MACHINES/$name/bin/busybox" ] || fail "running image damaged"
        kill -TERM $BOOT_PID
        wait $BOOT_PID || true

        # Mounts inside the image are not entered (a tmpfs; a bind mount of
        # the same file system): what is on them stays.
        mkdir "$TEST_TMP/bound"
        echo keep >"$TEST_TMP/bound/keep"
        rc=0
        unshare -m --propagation private sh -c '
                mount -t tmpfs nbtest "$1/mnt" && echo keep >"$1/mnt/keep" &&
                mount --bind "$2" "$1/home" || exit 99
                "$3" remove "$4" && exit 98
                test -e "$1/mnt/keep" && test -e "$1/home/keep" || exit 97
                exit 0' _ "$MACHINES/$name" "$TEST_TMP/bound" "$NIXBOX" "$name" 2>"$TEST_TMP/err" || rc=$?
        assert_eq $rc 0 "remove with mounts inside ($(cat "$TEST_TMP/err"))"
        grep -q "another mount" "$TEST_TMP/err" || fail "mount not reported: $(cat "$TEST_TMP/err")"
        [ -e "$TEST_TMP/bound/keep" ] || fail "removed a file on a bind mount"

        "$NIXBOX" remove "$name" 2>"$TEST_TMP/err" || fail "remove failed: $(cat "$TEST_TMP/err")"
        assert_no_images
}

# `nixbox images` lists what `run NAME` finds, in /var/lib/nixbox and in
# systemd's /var/lib/machines; export-tar writes what import-tar reads back;
# an unknown name says where it looked.
t_images_lists_both_directories_and_export_round_trips() {
        local name out rc t=$TEST_TMP nspawn_img="nbtest-img-nspawn-$$-$RANDOM" made_dir=0
        new_image name
        tar --numeric-owner -C "$BUSYBOX_ROOT" -c . | "$NIXBOX" import-tar -q - "$name"
        [ -d /var/lib/machines ] || { mkdir -m 0700 /var/lib/machines; made_dir=1; }
        trap 'rm -rf "/var/lib/machines/$nspawn_img"; [ $made_dir = 0 ] || rmdir /var/lib/machines; images_cleanup; remove_tree "$TEST_TMP"' EXIT
        cp -a "$BUSYBOX_ROOT" "/var/lib/machines/$nspawn_img"

        out=$("$NIXBOX" images)
        assert_match "$out" "^NAME +OS +MODIFIED +PATH" "legend"
        assert_match "$out" "$name +nixbox busybox fixture .* $MACHINES/$name" "nixbox's image listed"
        assert_match "$out" "$nspawn_img .* /var/lib/machines/$nspawn_img" "nspawn's image listed"
        out=$("$NIXBOX" images --no-legend)
        ! grep -q "^NAME\|listed" <<<"$out" || fail "--no-legend printed a legend: $out"
        grep -qx "$name" <(("$NIXBOX" images -q)) || fail "images -q"
        "$NIXBOX" images --json | python3 -c "import json,sys; d={i['name']:i for i in json.load(sys.stdin)}; assert d['$nspawn_img']['path']=='/var/lib/machines/$nspawn_img'" ||
                fail "images --json"

        # run NAME finds an image of /var/lib/machines too.
        out=$(run_nb "$nspawn_img" cat /etc/os-release) || fail "run of an image in /var/lib/machines failed"
        assert_match "$out" "busybox" "ran the image"

        # export-tar: compressed by extension, refuses to overwrite, round trips.
        "$NIXBOX" export-tar "$name" "$t/out.tar.zst" 2>"$t/err" || fail "export failed: $(cat "$t/err")"
        [ "$(head -c4 "$t/out.tar.zst" | od -An -tx1 | tr -d ' ')" = 28b52ffd ] || fail "not zstd-compressed"
        rc=0; "$NIXBOX" export-tar "$name" "$t/out.tar.zst" 2>"$t/err" || rc=$?
        [ $rc -eq 125 ] && grep -q "exists already" "$t/err" || fail "export overwrote a file: $rc $(cat "$t/err")"
        "$NIXBOX" export-tar "$name" - >"$t/plain.tar"
        tar -tf "$t/plain.tar" | grep -qx './bin/busybox' || fail "stdout export lacks bin/busybox"
        local back; new_image back
        "$NIXBOX" import-tar -q "$t/out.tar.zst" "$back"
        assert_eq "$(listing "$MACHINES/$back" | grep -v '^ d')" "$(listing "$MACHINES/$name" | grep -v '^ d')" "round trip keeps the tree"
        rc=0; "$NIXBOX" export-tar "nbtest-img-none-$$" "$t/none.tar" 2>"$t/err" || rc=$?
        [ $rc -eq 125 ] && grep -q "no image" "$t/err" && [ ! -e "$t/none.tar" ] || fail "export of no image: $(cat "$t/err")"

        # An unknown image name: where it looked, and how to make one.
        rc=0; run_nb "nbtest-img-none-$$" true 2>"$t/err" || rc=$?
        [ $rc -eq 125 ] || fail "unknown image ran"
        assert_match "$(cat "$t/err")" "looked in \\./nbtest-img-none-$$, $MACHINES/nbtest-img-none-$$, /var/lib/machines/nbtest-img-none-$$.*import-tar" "message"
        "$NIXBOX" remove "$name" "$back"
        assert_no_images
}
