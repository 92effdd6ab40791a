# bash completion for v3chkpt(8): subcommands, options per subcommand,
# STORE:URL prefixes, VM names (v3chkpt vm list) and memory-store keys
# (v3chkpt list).  Installed as share/bash-completion/completions/v3chkpt.

_v3chkpt_vms()
{
	v3chkpt vm list 2>/dev/null | awk 'NR > 1 { print $1 }'
}

_v3chkpt_keys()
{
	v3chkpt list 2>/dev/null | awk 'NR > 1 { print "memory:" $1 }'
}

# STORE:URL: the prefixes, memory-store keys, directories after dir:
_v3chkpt_store()
{
	local cur=$1
	case $cur in
	dir:*)
		local IFS=$'\n'
		COMPREPLY=($(compgen -d -P dir: -- "${cur#dir:}"))
		compopt -o nospace -o filenames 2>/dev/null
		;;
	memory:*)
		COMPREPLY=($(compgen -W "$(_v3chkpt_keys)" -- "$cur"))
		;;
	*)
		COMPREPLY=($(compgen -W "memory: dir: net:listen: net:connect:" -- "$cur"))
		compopt -o nospace 2>/dev/null
		;;
	esac
	# bash splits words at ':' (COMP_WORDBREAKS): give back only what
	# follows the last ':' of the word being completed
	if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
		local pre=${cur%"${cur##*:}"} i
		for i in "${!COMPREPLY[@]}"; do
			COMPREPLY[i]=${COMPREPLY[i]#"$pre"}
		done
	fi
}

_v3chkpt()
{
	# Words split at blanks only (bash also splits at ':', which would cut
	# a STORE:URL in three): w, the word under the cursor last.
	local line=${COMP_LINE:0:COMP_POINT} w cw cur prev
	read -ra w <<< "$line"
	[[ $line =~ [[:space:]]$ ]] && w+=("")
	cw=$((${#w[@]} - 1))
	cur=${w[cw]} prev=${w[cw - 1]:-}

	local cmds="version put get list delete export import inspect vm save load migrate receive help"
	local vmcmds="create list run pause resume step digest dirty destroy"
	local xfer="--progress --no-progress --key-file --timeout"
	local cmd=${w[1]:-} sub=${w[2]:-}

	if [ "$cw" -le 1 ]; then
		COMPREPLY=($(compgen -W "$cmds --help" -- "$cur"))
		return
	fi

	# option values
	case $prev in
	--key-file|--workload)
		[ "$prev" = --key-file ] && COMPREPLY=($(compgen -f -- "$cur")) &&
			compopt -o filenames 2>/dev/null
		return ;;
	--mode|--dirty-mode)
		COMPREPLY=($(compgen -W "pml wp ad" -- "$cur")); return ;;
	--compress)
		COMPREPLY=($(compgen -W "lz4" -- "$cur")); return ;;
	--on-stall)
		COMPREPLY=($(compgen -W "throttle abort" -- "$cur")); return ;;
	--skip)
		COMPREPLY=($(compgen -W "mem devs cores archdep" -- "$cur")); return ;;
	--devices)
		COMPREPLY=($(compgen -W "all pit pic uart rtc ioapic lapic" -- "$cur")); return ;;
	--mem|--vcpus|--interval|--count|--timeout|--downtime|--max-bandwidth|--max-rounds|--max-time)
		return ;;
	esac

	local opts="" nargs=0 args
	case $cmd in
	version|list) opts="--json" ;;
	inspect)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--json" -- "$cur"))
		else
			COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null
		fi
		return ;;
	put|get|export|delete)
		if [ "$cw" = 2 ]; then
			_v3chkpt_store "$cur"
		else
			COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null
		fi
		return ;;
	import)
		if [ "$cw" = 3 ]; then
			_v3chkpt_store "$cur"
		else
			COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null
		fi
		return ;;
	save) opts="--skip $xfer" nargs=2 ;;
	load) opts="--create $xfer" nargs=2 ;;
	migrate)
		opts="--key-file --downtime --max-bandwidth --compress --on-stall
		      --destroy-source --dirty-mode --max-rounds --max-time --timeout
		      --progress --json" nargs=2 ;;
	receive) opts="--key-file --timeout --paused --progress --json" nargs=2 ;;
	vm)
		if [ "$cw" = 2 ]; then
			COMPREPLY=($(compgen -W "$vmcmds" -- "$cur"))
			return
		fi
		case $sub in
		create) opts="--mem --vcpus --workload --devices" ;;
		list) opts="--json" ;;
		digest) opts="--json" ;;
		dirty) opts="--mode --interval --count --json" ;;
		esac
		if [[ $cur == -* ]] || [ "$cw" -gt 3 ]; then
			COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		elif [ "$sub" != create ] && [ "$sub" != list ]; then
			COMPREPLY=($(compgen -W "$(_v3chkpt_vms)" -- "$cur"))
		fi
		return ;;
	*) return ;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	# positional arguments: NAME then STORE:URL (save, load, migrate, receive)
	args=0
	local i
	for ((i = 2; i < cw; i++)); do
		case ${w[i]} in
		--key-file|--timeout|--skip|--downtime|--max-bandwidth|--compress|--on-stall|--dirty-mode|--max-rounds|--max-time)
			((i++)) ;;
		-*) ;;
		*) ((args++)) ;;
		esac
	done
	if [ "$nargs" -gt 0 ] && [ "$args" = 0 ]; then
		COMPREPLY=($(compgen -W "$(_v3chkpt_vms)" -- "$cur"))
	elif [ "$nargs" -gt 0 ] && [ "$args" = 1 ]; then
		case $cmd in
		migrate) COMPREPLY=($(compgen -W "net:connect: net:listen:" -- "$cur"))
			 compopt -o nospace 2>/dev/null
			 [[ $cur == *:* ]] && COMPREPLY=("${COMPREPLY[@]#"${cur%"${cur##*:}"}"}") ;;
		receive) COMPREPLY=($(compgen -W "net:listen: net:connect:" -- "$cur"))
			 compopt -o nospace 2>/dev/null
			 [[ $cur == *:* ]] && COMPREPLY=("${COMPREPLY[@]#"${cur%"${cur##*:}"}"}") ;;
		*) _v3chkpt_store "$cur" ;;
		esac
	else
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	fi
}
complete -F _v3chkpt v3chkpt
