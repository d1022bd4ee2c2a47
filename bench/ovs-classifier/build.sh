#!/usr/bin/env bash
# Builds ovs-cls-bench: Open vSwitch's own C classifier (lib/classifier.c of Debian's Open vSwitch
# 3.1, from the openvswitch-source package) driven by ovs-cls-bench.c, the same-run baseline of
# the classifier benchmark. Only libopenvswitch is compiled (a few minutes on two cores, once);
# the result is cached under bench/node_modules/.cache. Prints the binary's path on stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${OVS_CLS_BENCH_DIR:-$here/../node_modules/.cache/ovs-classifier}
tarball=/usr/src/openvswitch/openvswitch.tar.gz
bin=$out/ovs-cls-bench
src=$out/openvswitch
log=$out/build.log
mkdir -p "$out"

if [ -x "$bin" ] && [ "$bin" -nt "$here/ovs-cls-bench.c" ]; then
  echo "$bin"
  exit 0
fi

if [ ! -f "$tarball" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "ovs-cls-bench: $tarball missing; install Debian's openvswitch-source (as root)" >&2
    exit 2
  fi
  apt-get install -y -q openvswitch-source >"$log" 2>&1 ||
    { apt-get update -q >>"$log" 2>&1 && apt-get install -y -q openvswitch-source >>"$log" 2>&1; } ||
    { echo "ovs-cls-bench: cannot install openvswitch-source (see $log)" >&2; exit 2; }
fi

if [ ! -f "$src/lib/.libs/libopenvswitch.a" ]; then
  echo "ovs-cls-bench: building Open vSwitch's libopenvswitch once (log: $log)" >&2
  rm -rf "$src"
  tar xzf "$tarball" -C "$out"
  # Only the library: its generated headers first (a library target alone does not make them).
  if ! (cd "$src" &&
    ./configure --disable-ssl --disable-libcapng --enable-silent-rules CFLAGS='-g -O2' &&
    make -j"$(nproc)" include/odp-netlink.h include/odp-netlink-macros.h ofproto/ipfix-entities.def \
      lib/vswitch-idl.h lib/ovsdb-server-idl.h &&
    make -j"$(nproc)" lib/libopenvswitch.la) >>"$log" 2>&1; then
    tail -20 "$log" >&2
    echo "ovs-cls-bench: building libopenvswitch failed (see $log)" >&2
    exit 2
  fi
fi

cc -g -O2 -I"$src" -I"$src/include" -I"$src/lib" -o "$bin.tmp" "$here/ovs-cls-bench.c" \
  "$src/lib/.libs/libopenvswitch.a" -latomic -lm -lpthread
mv "$bin.tmp" "$bin"
echo "$bin"
