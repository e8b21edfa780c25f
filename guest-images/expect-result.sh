#!/bin/sh
# expect-result.sh OUT BUSYBOX WORKLOAD
# Runs the guest workload on the build host with the same busybox (applets
# only, via a symlink dir) and writes the checksum the guest must print.
set -eu
out=$1 busybox=$2 workload=$3
tmp=$(mktemp -d "$out.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin" "$tmp/t"
for a in $("$busybox" --list); do ln -s "$busybox" "$tmp/bin/$a"; done
env -i PATH="$tmp/bin" TMPDIR="$tmp/t" "$busybox" sh "$workload" > "$tmp/result"
grep -Eqx '[0-9a-f]{64}' "$tmp/result" || {
	echo "expect-result.sh: workload printed no checksum" >&2; exit 1; }
mv -f "$tmp/result" "$out"
