# Stage on the KASAN + lockdep kernel (sourced by payload-kunit.sh): hostile
# VM checkpoints.  /hostile_run saves a small stepped VM and loads a few
# hundred mutated copies of it (tests/hostile/mutate.c: device fields,
# blob lengths, configuration, vCPU registers, context order, ids, guest
# memory; every checksum recomputed) into a paused target and with
# --create.  One TAP line per mutation class; failing cases are named with
# their seed and case number: `HOSTILE_VERBOSE=1 /hostile_run 1 SEED 12 60
# CASE` replays one in a guest, `build/vm_mutate gen FILE SEED CASE OUT`
# writes it from an exported save of the same VM (see hostile_run.c).
# At most ~4 minutes: hostile_run starts no case after 230 s.
hostile_cases=${hostile_cases:-210}
hostile_seed=0x5eed
/hostile_run "$hostile_cases" "$hostile_seed" > /tmp/hostile.out 2>&1
hostile_rc=$?
grep -v -e '^PASS ' -e '^FAIL ' /tmp/hostile.out
while read -r hostile_st hostile_text; do
	case $hostile_st in
	PASS) tap 0 "$hostile_text" ;;
	FAIL) tap 1 "$hostile_text" ;;
	esac
done < /tmp/hostile.out
tap $hostile_rc "hostile: hostile_run completed ($hostile_cases cases, seed $hostile_seed)"
