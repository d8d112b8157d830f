#!/usr/bin/env bash
# Installs what the real-service tests need on a fresh Debian machine (CI runs this from
# .ci/run): Prometheus, collectd with its Kafka writer, Chromium + fonts for the plugin's
# browser test, and the Apache Kafka broker jars from Maven Central. Idempotent: when
# everything is present it only checks and returns within a second or two.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

apt_packages=(
  prometheus
  collectd-core
  librdkafka1 # write_kafka.so links against it; collectd-core only suggests it
  libyajl2    # collectd's JSON formatting
  chromium
  fonts-dejavu-core
  curl
  openssl # the security tests make their test CA and certificates with it
)

missing=()
for p in "${apt_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  # Packages like prometheus start their own daemon from the maintainer scripts; that one
  # would hold port 9090 with the wrong flags. A policy-rc.d answering 101 forbids it.
  own_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${sudo_cmd[@]}" chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  cleanup_policy() {
    if ((own_policy)); then "${sudo_cmd[@]}" rm -f /usr/sbin/policy-rc.d; fi
  }
  trap cleanup_policy EXIT
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  log "Debian packages present: ${apt_packages[*]}"
fi

# A daemon that slipped through (e.g. an init system that ignores policy-rc.d) would take
# the ports the test services need; stop the packaged ones, never anything else.
for svc in prometheus collectd; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    log "stopping the packaged $svc daemon"
    systemctl stop "$svc" || true
    systemctl disable "$svc" >/dev/null 2>&1 || true
  fi
done

[[ -e "$COLLECTD_PLUGIN_DIR/write_kafka.so" ]] ||
  die "collectd's write_kafka plugin is missing from $COLLECTD_PLUGIN_DIR"

fetch_kafka_jars
log "install complete (Kafka $KAFKA_VERSION jars in $KAFKA_LIBS)"
