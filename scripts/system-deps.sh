#!/usr/bin/env bash
# System packages the experiments and tests need: a virtual X server (Xvfb) for
# headless windows, xdotool to type into them, the CJK font for Japanese, and the
# JACK library psychtoolbox's keyboard loads. Installs what is missing (Debian,
# as root); elsewhere, says what to install.
set -euo pipefail
missing=()
command -v Xvfb >/dev/null || missing+=(xvfb)
command -v xvfb-run >/dev/null || missing+=(xvfb)
command -v xauth >/dev/null || missing+=(xauth)
command -v xdotool >/dev/null || missing+=(xdotool)
command -v fc-list >/dev/null || missing+=(fontconfig)
# (whole outputs captured: `grep -q` in a pipe would make pipefail see SIGPIPE)
fonts=$(fc-list "Noto Sans CJK JP" 2>/dev/null || true)
[ -n "$fonts" ] || missing+=(fonts-noto-cjk)
libs=$(ldconfig -p 2>/dev/null || true)
[[ $libs == *libjack.so.0* ]] || missing+=(libjack-jackd2-0)
# OpenGL libraries pyglet opens a window with
[[ $libs == *libGL.so.1* ]] || missing+=(libgl1)
[[ $libs == *libGLU.so.1* ]] || missing+=(libglu1-mesa)
[ ${#missing[@]} -eq 0 ] && exit 0
pkgs=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing system packages: $pkgs"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
else
  echo "missing system packages: $pkgs" >&2
  echo "install them (Debian/Ubuntu: sudo apt-get install $pkgs) and run make again" >&2
  exit 1
fi
