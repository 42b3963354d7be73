#!/usr/bin/env bash
# Installs the system packages DeepArc needs, when missing, on a Debian machine:
#   libopenblas-dev (BLAS), zlib1g-dev (gzip/deflate), pkg-config, dataset-fashion-mnist (the data set).
set -euo pipefail

packages=(libopenblas-dev zlib1g-dev pkg-config dataset-fashion-mnist)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "bootstrap: installing ${missing[*]}" >&2
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
