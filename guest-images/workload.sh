#!/bin/sh
# v3-workload: the reference guest's deterministic workload.
#
# Installed as /bin/v3-workload in the initramfs; also run on the build host
# (with the same busybox) to record the expected result.  Prints one line,
# the checksum.  Only standard algorithms (sha256, md5, sort, integer awk),
# so the result does not depend on the CPU count, memory size or busybox's
# compressor tuning.
#
# Work (~1.5 s under plain QEMU TCG, ~0.2 s native): a 109 KB block of
# numbers (seq 1 20000), replicated 24 times into 2.6 MB; the 2.6 MB hashed
# (sha256, md5) and gzip round-tripped; the block sorted and summed with
# awk; then a chain of 32 hash steps, each forking a subshell and a
# 2-process pipeline.  About 130 processes in all.
set -e
d=${TMPDIR:-/tmp}/v3-workload.$$
mkdir -p "$d"
trap 'rm -rf "$d"' EXIT

seq 1 20000 > "$d/block"
i=0
while [ "$i" -lt 24 ]; do
	cat "$d/block"
	i=$((i + 1))
done > "$d/data"
h1=$(sha256sum < "$d/data")
h2=$(md5sum < "$d/data")
h3=$(gzip -1 -c < "$d/data" | gunzip -c | sha256sum)
h4=$(sort -r "$d/block" | md5sum)
h5=$(awk '{ s = (s * 31 + $1) % 1000000007 } END { print s }' "$d/block")

acc="$h1 $h2 $h3 $h4 $h5"
i=0
while [ "$i" -lt 32 ]; do
	acc=$(echo "$acc $i" | sha256sum | cut -d' ' -f1)
	i=$((i + 1))
done
echo "$acc"
