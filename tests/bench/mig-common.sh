# Sourced by make bench's migration pair payloads (tests/bench/payload-mig-
# [ab].sh, busybox sh), after guest-lib.sh and migrate-lib.sh: what both
# guests agree on.
# Migrations B -> A, one port each, in this order: MIG_RUNS at default
# settings, MIG_RUNS with --compress lz4, MIG_RUNS capped at 4x the
# measured dirty rate (a guest dirtying at 25% of the bandwidth).
MIG_RUNS=3
MIG_PORT0=7101
MIG_COUNT=$((3 * MIG_RUNS))
TCP_PORT=7100 TCP_RUNS=3 TCP_MIB=256
printf 'bench-pair-key-0123456789abcdef' > /tmp/key
