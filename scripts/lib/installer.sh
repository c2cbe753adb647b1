# shellcheck shell=bash
# Sourced by scripts/install-kiosk, scripts/update-kiosk and scripts/install-central: the
# small idempotent steps they are made of. Each step says what it changed, or that nothing
# changed, so a second run of an installer shows at a glance that it did nothing.
# CHANGES counts the changes of this run; a step that changes something calls changed.

CHANGES=0
changed() {
  CHANGES=$((CHANGES + 1))
  echo "  $*"
}
unchanged() { echo "  $*: already so, nothing changed"; }
die() {
  echo "$INSTALLER: $*" >&2
  exit 1
}

need_root() {
  [ "$(id -u)" = 0 ] || die "run as root (sudo $0)"
}

# True when systemd is the running init: not in a chroot, nor in a container without it.
systemd_running() { [ -d /run/systemd/system ]; }

# ensure_packages FILE SECTION...: the Debian packages of those sections of FILE.
ensure_packages() {
  local list=$1
  shift
  local wanted missing
  mapfile -t wanted < <(debian_packages "$list" "$@")
  mapfile -t missing < <(missing_packages "${wanted[@]}")
  if [ ${#missing[@]} -eq 0 ]; then
    unchanged "Debian packages ${wanted[*]}"
    return
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null </dev/null ||
    die "apt-get install ${missing[*]} failed (network? apt sources?); run it by hand to see why"
  changed "installed Debian packages: ${missing[*]}"
}

# ensure_group NAME: a system group, created when this system lacks it.
ensure_group() {
  if getent group "$1" >/dev/null; then return 0; fi
  groupadd --system "$1"
  changed "group $1 created"
}

# ensure_dir PATH MODE OWNER:GROUP
ensure_dir() {
  local path=$1 mode=$2 owner=$3
  if [ -d "$path" ] && [ "$(stat -c '%a %U:%G' "$path")" = "${mode#0} $owner" ]; then
    return
  fi
  install -d -m "$mode" -o "${owner%:*}" -g "${owner#*:}" "$path"
  changed "folder $path ($mode $owner)"
}

# put_file SOURCE TARGET MODE OWNER:GROUP: install SOURCE as TARGET unless it is already
# there with that content, mode and owner. Returns 1 when nothing changed.
put_file() {
  local source=$1 target=$2 mode=$3 owner=$4
  if [ -f "$target" ] && cmp -s "$source" "$target" &&
    [ "$(stat -c '%a %U:%G' "$target")" = "${mode#0} $owner" ]; then
    return 1
  fi
  mkdir -p "$(dirname "$target")"
  # Through a temporary file beside it: a reader never sees half a file.
  install -m "$mode" -o "${owner%:*}" -g "${owner#*:}" "$source" "$target.new"
  mv -f "$target.new" "$target"
  changed "wrote $target"
}

# put_text TARGET MODE OWNER:GROUP < TEXT: put_file with the text on standard input.
put_text() {
  local text status=0
  text=$(mktemp)
  cat >"$text"
  put_file "$text" "$@" || status=$?
  rm -f "$text"
  return "$status"
}

# enable_unit NAME: enabled at boot (systemctl enable needs no running systemd).
enable_unit() {
  if [ "$(systemctl is-enabled "$1" 2>/dev/null)" = enabled ]; then
    unchanged "$1 enabled"
    return
  fi
  systemctl enable --quiet "$1"
  changed "$1 enabled"
}

# disable_unit NAME: stopped (when systemd runs) and no longer started at boot.
disable_unit() {
  if systemd_running; then systemctl stop "$1" 2>/dev/null || true; fi
  systemctl disable --quiet "$1" 2>/dev/null || true
}

# wheel_id WHEEL: version-hash, the name of the folder a wheel is installed in. The hash
# is of the wheel's RECORD (every file's own hash), so a rebuild of the same source gives
# the same folder, whatever the zip's time stamps.
wheel_id() {
  python3 - "$1" <<'PY'
import hashlib, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    record = next(n for n in wheel.namelist() if n.endswith(".dist-info/RECORD"))
    digest = hashlib.sha256(wheel.read(record)).hexdigest()[:12]
version = record.split("/")[0].removesuffix(".dist-info").split("-")[1]
print(f"{version}-{digest}")
PY
}

# install_venv HOME WHEEL EXTRA: the wheel with its EXTRA in a venv of its own under
# HOME/versions/<version>-<hash>, whose folder it puts in VERSION_DIR. Versions live side
# by side, so an update installs beside the running one. A folder without its .complete
# mark is a half-done install and is made again.
install_venv() {
  local home=$1 wheel=$2 extra=$3 id dir
  id=$(wheel_id "$wheel" 2>/dev/null) || die "$wheel is not a wheel that can be read"
  dir=$home/versions/$id
  # shellcheck disable=SC2034 # read by the scripts that source this file
  VERSION_DIR=$dir
  if [ -f "$dir/.complete" ]; then
    unchanged "version $id in $dir"
    return
  fi
  rm -rf "$dir"
  mkdir -p "$home/versions"
  python3 -m venv "$dir"
  # pip's own log, shown only when it fails: its warnings about the local indexes are noise.
  "$dir/bin/python" -m pip install -q --no-warn-script-location "${wheel}[$extra]" \
    >"$dir.log" 2>&1 || { tail -n 20 "$dir.log" >&2; die "pip could not install $wheel into $dir"; }
  rm -f "$dir.log"
  touch "$dir/.complete"
  changed "version $id installed in $dir"
}

# switch_current HOME DIR: HOME/current points at DIR, changed in one rename, so whatever
# runs from it never sees a missing link.
switch_current() {
  ln -sfn "versions/$(basename "$2")" "$1/current.new"
  mv -T "$1/current.new" "$1/current"
}

# build_wheel CHECKOUT DIR: the wheel of CHECKOUT, built in DIR; prints its path.
build_wheel() {
  echo "  building the wheel of $1" >&2
  python3 -m venv "$2/venv"
  "$2/venv/bin/python" -m pip wheel -q --no-deps -w "$2" "$1" >"$2/log" 2>&1 ||
    { tail -n 20 "$2/log" >&2; die "could not build the wheel of $1"; }
  ls "$2"/counter_kiosk-*.whl
}
