#!/usr/bin/env bash
# System packages the experiments and tests need: a virtual X server (Xvfb) for
# headless windows, xdotool (and xmodmap) to type into them, the CJK font for Japanese, and the
# JACK library psychtoolbox's keyboard loads, and the X libraries Qt's dialog loads. Installs what is missing (Debian,
# as root); elsewhere, says what to install.
set -euo pipefail
missing=()
command -v Xvfb >/dev/null || missing+=(xvfb)
command -v xvfb-run >/dev/null || missing+=(xvfb)
command -v xauth >/dev/null || missing+=(xauth)
command -v xdotool >/dev/null || missing+=(xdotool)
command -v xmodmap >/dev/null || missing+=(x11-xserver-utils)  # the window tests bind kana to keys before typing them
command -v fc-list >/dev/null || missing+=(fontconfig)
# (whole outputs captured: `grep -q` in a pipe would make pipefail see SIGPIPE)
fonts=$(fc-list "Noto Sans CJK JP" 2>/dev/null || true)
[ -n "$fonts" ] || missing+=(fonts-noto-cjk)
mono=$(fc-list "DejaVu Sans Mono" 2>/dev/null || true)  # English self-paced reading: a monospace Latin font
[ -n "$mono" ] || missing+=(fonts-dejavu-core)
libs=$(ldconfig -p 2>/dev/null || true)
[[ $libs == *libjack.so.0* ]] || missing+=(libjack-jackd2-0)
# OpenGL libraries pyglet opens a window with
[[ $libs == *libGL.so.1* ]] || missing+=(libgl1)
[[ $libs == *libGLU.so.1* ]] || missing+=(libglu1-mesa)
# what Qt 6's xcb platform plugin loads for PsychoPy's session dialog (without libxcb-cursor0 it aborts)
for lib in libxcb-cursor.so.0:libxcb-cursor0 libxkbcommon-x11.so.0:libxkbcommon-x11-0 \
           libxcb-icccm.so.4:libxcb-icccm4 libxcb-image.so.0:libxcb-image0 libxcb-keysyms.so.1:libxcb-keysyms1 \
           libxcb-randr.so.0:libxcb-randr0 libxcb-render-util.so.0:libxcb-render-util0 \
           libxcb-shape.so.0:libxcb-shape0 libxcb-xkb.so.1:libxcb-xkb1 libEGL.so.1:libegl1 \
           libfontconfig.so.1:libfontconfig1 libdbus-1.so.3:libdbus-1-3; do
  [[ $libs == *"${lib%%:*}"* ]] || missing+=("${lib##*:}")
done
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
