# shellcheck shell=bash
# Sourced: where an installed kiosk lives, and how one version of it is installed,
# checked and made current. Used by scripts/install-kiosk and scripts/update-kiosk (which
# install-kiosk copies to /opt/counter-kiosk/tools, beside this file, for kioskctl
# self-update).
#
#   /opt/counter-kiosk/versions/<version>-<hash>/   one venv per wheel, side by side
#   /opt/counter-kiosk/current -> versions/...      what the unit runs (bin/kiosk)
#   /etc/counter-kiosk/kiosk.toml                   the counter's config, kept on updates
#   /var/lib/kiosk/                                  database, token, backups, logs: never
#                                                    replaced, kept by --uninstall

KIOSK_HOME=/opt/counter-kiosk
KIOSK_ETC=/etc/counter-kiosk
KIOSK_DATA=/var/lib/kiosk
KIOSK_UNIT=counter-kiosk.service

# The environment every kiosk command of the installed layout runs with.
kiosk_env() {
  echo "KIOSK_CONFIG=$KIOSK_ETC/kiosk.toml"
  echo "KIOSK__STORAGE__DATA_DIR=$KIOSK_DATA"
  echo "KIOSK__CENTRAL__TOKEN_FILE=$KIOSK_DATA/token"
}

current_version() {
  [ -L "$KIOSK_HOME/current" ] && basename "$(readlink "$KIOSK_HOME/current")"
}

# install_version WHEEL: the wheel in its own venv under versions/ (VERSION_DIR).
install_version() { install_venv "$KIOSK_HOME" "$1" kiosk; }

# switch_to DIR: make DIR the current version.
switch_to() { switch_current "$KIOSK_HOME" "$1"; }

# self_test_available DIR: whether that version's kiosk has --self-test.
self_test_available() {
  timeout 60 "$1/bin/kiosk" --help 2>/dev/null | grep -q -- --self-test
}

# check_version DIR: does that version start on a copy of the live database? It imports
# the UI, migrates the copy (taken with SQLite's backup API by the running version's
# kioskctl backup) and, when it has one, runs its --self-test on it. The live database is
# not touched. Returns non-zero, having said why, when the version must not be used.
check_version() {
  local dir=$1 work status=0
  work=$(mktemp -d /var/tmp/counter-kiosk-check.XXXXXX)
  chown kiosk:kiosk "$work"
  # The copy: a token file that does not exist, so the check never talks to the central.
  local env=(env -i PATH=/usr/bin:/bin HOME="$work" LANG=C.UTF-8
    KIOSK_CONFIG="$KIOSK_ETC/kiosk.toml" KIOSK__STORAGE__DATA_DIR="$work/data"
    KIOSK__CENTRAL__TOKEN_FILE="$work/no-token" KIVY_HOME="$work/kivy" KIVY_NO_ARGS=1
    KIVY_NO_CONSOLELOG=1 KIVY_LOG_MODE=PYTHON)
  runuser -u kiosk -- mkdir -p "$work/data"
  if [ -f "$KIOSK_DATA/kiosk.db" ]; then
    runuser -u kiosk -- "${env[@]}" KIOSK__STORAGE__DATA_DIR="$KIOSK_DATA" \
      "$KIOSK_HOME/current/bin/kioskctl" backup "$work/data/kiosk.db" >"$work/out" 2>&1 ||
      die "could not copy the live database for the check: $(tail -n 1 "$work/out")"
  fi
  # One line for the report; KIVY_LOG_MODE=PYTHON (as the app runs) keeps Kivy off stderr.
  local import_ui='import sys
try:
    import kiosk.ui.kiosk_app
except BaseException as exc:
    sys.exit(f"the UI does not import: {type(exc).__name__}: {exc}")'
  if self_test_available "$dir"; then
    echo "  checking: kiosk --self-test on a copy of the database"
    runuser -u kiosk -- "${env[@]}" timeout 300 "$dir/bin/kiosk" --self-test >"$work/out" 2>&1 ||
      status=$?
  else
    echo "  checking: the UI imports; the migrations on a copy of the database"
    { runuser -u kiosk -- "${env[@]}" timeout 300 "$dir/bin/python" -c "$import_ui" &&
      runuser -u kiosk -- "${env[@]}" timeout 300 "$dir/bin/kioskctl" init; } >"$work/out" 2>&1 ||
      status=$?
  fi
  if [ "$status" != 0 ]; then
    echo "  check failed: $(grep -v '^[[:space:]]*$' "$work/out" | tail -n 1)" >&2
  elif grep -q 'WARNING:' "$work/out"; then
    # A warning fails nothing (e.g. the technician PIN is still the demo's), but is said.
    echo "  $(grep 'WARNING:' "$work/out" | tail -n 1 | sed 's/.*WARNING:/warning:/')" >&2
  fi
  rm -rf "$work"
  return "$status"
}

# restart_and_wait SECONDS: restart the unit; did a new start of it (another invocation
# id than before the restart) reach active (running), i.e. READY=1 of a Type=notify unit,
# within SECONDS, and stay there without an automatic restart for a few seconds?
restart_and_wait() {
  local deadline=$((SECONDS + $1)) before state restarts
  before=$(systemctl show -p InvocationID --value "$KIOSK_UNIT")
  systemctl restart --no-block "$KIOSK_UNIT"
  while [ "$SECONDS" -lt "$deadline" ]; do
    state=$(systemctl show -p ActiveState,SubState --value "$KIOSK_UNIT" | paste -sd/)
    if [ "$state" = active/running ] &&
      [ "$(systemctl show -p InvocationID --value "$KIOSK_UNIT")" != "$before" ]; then
      restarts=$(systemctl show -p NRestarts --value "$KIOSK_UNIT")
      sleep 5
      state=$(systemctl show -p ActiveState,SubState --value "$KIOSK_UNIT" | paste -sd/)
      [ "$state" = active/running ] &&
        [ "$(systemctl show -p NRestarts --value "$KIOSK_UNIT")" = "$restarts" ] && return 0
    fi
    sleep 1
  done
  return 1
}

# prune_versions: keep the current version and the one before it, remove the rest.
prune_versions() {
  local keep=("$(current_version)" "$(cat "$KIOSK_HOME/previous" 2>/dev/null || true)") dir
  for dir in "$KIOSK_HOME"/versions/*/; do
    dir=${dir%/}
    [ -d "$dir" ] || continue
    case " ${keep[*]} " in *" $(basename "$dir") "*) continue ;; esac
    rm -rf "$dir"
    changed "old version $(basename "$dir") removed"
  done
}
