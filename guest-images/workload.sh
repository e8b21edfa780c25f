#!/bin/sh
# v3-workload: the reference guest's deterministic workload.
#
# Installed as /bin/v3-workload in the initramfs; also run on the build host
# (with the same busybox) to record the expected result.  Prints one line,
# the checksum.  Only standard algorithms (sha256, md5, sort, integer awk),
# so the result does not depend on the CPU count, memory size or busybox's
# compressor tuning.
#
# Work (~2 s under plain QEMU TCG, ~0.3 s native): 2.4 MB generated with
# seq, hashed (sha256, md5) and gzip round-tripped; its first 60000 lines
# sorted and summed with awk; then a chain of 24 hash steps, each forking a
# subshell and a 2-process pipeline (~75 processes).
set -e
d=${TMPDIR:-/tmp}/v3-workload.$$
mkdir -p "$d"
trap 'rm -rf "$d"' EXIT

seq 1 360000 > "$d/data"
head -n 60000 "$d/data" > "$d/part"
h1=$(sha256sum < "$d/data")
h2=$(md5sum < "$d/data")
h3=$(gzip -1 -c < "$d/data" | gunzip -c | sha256sum)
h4=$(sort -r "$d/part" | md5sum)
h5=$(awk '{ s = (s * 31 + $1) % 1000000007 } END { print s }' "$d/part")

acc="$h1 $h2 $h3 $h4 $h5"
i=0
while [ "$i" -lt 24 ]; do
	acc=$(echo "$acc $i" | sha256sum | cut -d' ' -f1)
	i=$((i + 1))
done
echo "$acc"
