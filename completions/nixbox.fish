# SPDX-License-Identifier: LGPL-2.1-or-later
# fish completion of nixbox: verbs, options, running machines, images. Verbs
# and options are read from `nixbox help` and `nixbox run --help` at
# completion time, so they follow the installed binary.

function __nixbox_verbs
    nixbox help 2>/dev/null | sed -n '/^Commands:/,/^$/{s/^  //p}' | sed -E 's/  .*//' \
        | grep -oE '(^|\| |, )[a-z][a-z-]*' | grep -oE '[a-z][a-z-]*'
end

function __nixbox_run_options
    nixbox run --help 2>/dev/null | grep -oE '^ +(-[A-Za-z], )?--[a-z][a-z0-9-]*' \
        | sed -E 's/^ +//; s/^-[A-Za-z], //; s/^--//'
end

function __nixbox_machines
    nixbox list --json 2>/dev/null | grep -oE '"name":"([^"\\\\]|\\\\.)*"' | sed -E 's/^"name":"//; s/"$//'
end

function __nixbox_images
    for d in /var/lib/nixbox /var/lib/machines
        test -r $d; or continue
        for f in $d/*
            set -l n (basename $f .raw)
            string match -q '*.partial*' -- $n; or echo $n
        end
    end
end

set -l machine_verbs status stop poweroff reboot terminate kill exec shell logs
complete -c nixbox -f
complete -c nixbox -n __fish_use_subcommand -a '(__nixbox_verbs)'
complete -c nixbox -n '__fish_seen_subcommand_from run' -a '(__nixbox_run_options | sed "s/^/--/")'
complete -c nixbox -n '__fish_seen_subcommand_from run settings remove export-tar' -a '(__nixbox_images)'
complete -c nixbox -n '__fish_seen_subcommand_from run settings' -F
complete -c nixbox -n '__fish_seen_subcommand_from import-tar' -F
complete -c nixbox -n "__fish_seen_subcommand_from $machine_verbs" -a '(__nixbox_machines)'
complete -c nixbox -n '__fish_seen_subcommand_from stop' -l timeout -r
complete -c nixbox -n '__fish_seen_subcommand_from status list' -l json
complete -c nixbox -n '__fish_seen_subcommand_from exec shell' -l user -r
complete -c nixbox -n '__fish_seen_subcommand_from kill' -l signal -r
complete -c nixbox -n '__fish_seen_subcommand_from logs' -s f
