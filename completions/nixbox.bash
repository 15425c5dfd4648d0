# SPDX-License-Identifier: LGPL-2.1-or-later
# bash completion of nixbox: verbs, options, running machines, images.
# Verbs and options are read from `nixbox help`, `nixbox run --help` and
# `nixbox VERB --help` at completion time, so they follow the installed binary.

_nixbox_verbs() {   # NIXBOX
        # The command column: each line up to the two spaces before its description.
        "$1" help 2>/dev/null | sed -n '/^Commands:/,/^$/{s/^  //p}' | sed -E 's/  .*//' |
                grep -oE '(^|\| |, )[a-z][a-z-]*' | grep -oE '[a-z][a-z-]*'
}

# The options of VERB: run's from `run --help`; the others' from their
# usage line in `nixbox help` and `nixbox VERB --help`.
_nixbox_options() {   # NIXBOX VERB
        if [ "$2" = run ]; then
                "$1" run --help 2>/dev/null | grep -oE '^ +(-[A-Za-z], )?--[a-z][a-z0-9-]*(\[?=)?' |
                        sed -E 's/^ +//; s/\[=$//; s/^(-[A-Za-z]), /\1\n/'
        else
                { "$1" help 2>/dev/null | grep -E "^  ([a-z-]+[ ,|]+)*$2( |,|$)"
                  "$1" "$2" --help 2>&1 | grep -i '^usage'; } |
                        grep -oE '(^|[ [|])--?[A-Za-z][A-Za-z0-9-]*=?' | sed -E 's/^[ [|]//' | sort -u
        fi
}

_nixbox_machines() {   # NIXBOX: names of the running containers
        "$1" list --json 2>/dev/null | grep -oE '"name":"([^"\\]|\\.)*"' | sed -E 's/^"name":"//; s/"$//'
}

_nixbox_images() {   # image names in the machines directories
        local d f
        for d in /var/lib/nixbox /var/lib/machines; do
                [ -r "$d" ] || continue
                for f in "$d"/*; do
                        [ -d "$f" ] || [ -f "$f" ] || continue
                        f=${f##*/}
                        case $f in .* | *.partial*) continue ;; esac
                        echo "${f%.raw}"
                done
        done
}

_nixbox() {
        local nb=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]} verb= i
        COMPREPLY=()
        for ((i = 1; i < COMP_CWORD; i++)); do
                case ${COMP_WORDS[i]} in
                -*) ;;
                *) verb=${COMP_WORDS[i]}; break ;;
                esac
        done
        if [ -z "$verb" ]; then
                if [[ $cur == -* ]]; then
                        COMPREPLY=($(compgen -W '--help --version' -- "$cur"))
                else
                        COMPREPLY=($(compgen -W "$(_nixbox_verbs "$nb")" -- "$cur"))
                fi
                return
        fi
        # A value after --opt=: the few with a fixed set of words.
        if [[ $cur == --*=* ]]; then
                local opt=${cur%%=*} val=${cur#*=} words=
                case $opt in
                --console) words='interactive read-only passive pipe autopipe' ;;
                --on-reboot) words='restart exit' ;;
                --settings) words='yes no override trusted' ;;
                --resolv-conf) words='auto off copy-host bind-host delete' ;;
                --private-users) words='no pick identity yes' ;;
                --private-users-ownership) words='auto map chown off' ;;
                --notify-ready | --private-network | --masquerade | --no-new-privileges | --check-os-release) words='yes no' ;;
                --signal | --kill-signal) words=$(compgen -A signal | grep -v '^SIGRT') ;;
                --bind | --bind-ro | --chdir | --init) COMPREPLY=($(compgen -f -- "$val")) ;;
                esac
                [ -z "$words" ] || COMPREPLY=($(compgen -W "$words" -- "$val"))
                return
        fi
        if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "$(_nixbox_options "$nb" "$verb")" -- "$cur"))
                [[ ${COMPREPLY[0]:-} == *= ]] && compopt -o nospace 2>/dev/null
                return
        fi
        case $verb in
        run | settings)
                COMPREPLY=($(compgen -W "$(_nixbox_images)" -- "$cur") $(compgen -d -- "$cur")) ;;
        remove | export-tar)
                COMPREPLY=($(compgen -W "$(_nixbox_images)" -- "$cur")) ;;
        import-tar)
                COMPREPLY=($(compgen -f -- "$cur")) ;;
        help | version | list | images) ;;
        *)      # the verbs on a running container
                COMPREPLY=($(compgen -W "$(_nixbox_machines "$nb")" -- "$cur")) ;;
        esac
}
complete -F _nixbox nixbox
