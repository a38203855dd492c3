#!/bin/bash
# Runs as PID 1's parent inside: ip netns exec NS unshare --mount --uts --pid --fork --kill-child --propagation private
# Builds one light fleet host: overlay root over the lab rootfs (own /etc), own /proc, read-only /sys,
# minimal /dev, tmpfs /run and /tmp; then execs sshd on 127.0.0.1:22 of the host's own network namespace.
set -euo pipefail
NAME=$1 LOWER=$2 BASE=$3
mkdir -p "$BASE/upper" "$BASE/work" "$BASE/merged"
mount -t overlay overlay -o "lowerdir=$LOWER,upperdir=$BASE/upper,workdir=$BASE/work" "$BASE/merged"
M=$BASE/merged
mount -t proc proc "$M/proc"
# Non-network sysctls are global to the kernel: read-only. net.* are per network namespace: writable.
mount -o bind,ro /proc/sys "$M/proc/sys"
mount -o bind /proc/sys/net "$M/proc/sys/net"
mount -t sysfs -o ro sysfs "$M/sys"
mount -t tmpfs -o mode=755,size=16m tmpfs "$M/dev"
for spec in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
  IFS=: read -r node major minor <<<"$spec"
  mknod -m 666 "$M/dev/$node" c "$major" "$minor"
done
mkdir "$M/dev/pts" "$M/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$M/dev/pts"
ln -s pts/ptmx "$M/dev/ptmx"
mount -t tmpfs -o size=64m tmpfs "$M/run"
mkdir -p "$M/run/sshd" && chmod 755 "$M/run/sshd"
mount -t tmpfs -o size=256m tmpfs "$M/tmp"
hostname "$NAME"
echo "$NAME" > "$M/etc/hostname"
ip link set lo up
exec setpriv --bounding-set=-sys_module,-sys_time,-sys_boot,-sys_rawio,-mknod \
  chroot "$M" /usr/sbin/sshd -D -e -o ListenAddress=127.0.0.1 -o UsePAM=no -o PidFile=none -o UseDNS=no \
  -o MaxStartups=100:30:200
