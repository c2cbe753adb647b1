# shellcheck shell=bash
# Sourced by scripts/install-kiosk (after scripts/lib/installer.sh): an installed kiosk's
# technician PIN is its own, never the demo's 2468 whose hash config/kiosk.toml ships and
# the README prints. That PIN opens the service screen, from which the kiosk can be
# re-pointed at another central (which would then receive the counter's token).
#
#   ensure_technician_pin CONFIG SHIPPED KIOSKCTL
#
# CONFIG is the kiosk's config, SHIPPED the shipped config/kiosk.toml (its hash is the
# demo's), KIOSKCTL a kioskctl to hash with (`kioskctl hash-pin`, which refuses PINs the
# product prints). While CONFIG still holds the shipped hash: on a terminal the PIN is
# asked (twice, not echoed); otherwise 8 random digits are made and printed once. A config
# with a hash of its own is left as it is. [service] demo = true is set back to false: an
# installed kiosk is never the demo.

TECHNICIAN_PIN_DIGITS=8

# technician_pin_hash_of FILE: the technician_pin_hash written in FILE ("" when none).
technician_pin_hash_of() {
  sed -n 's/^[[:space:]]*technician_pin_hash[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$1" |
    head -n 1
}

# edit_config FILE SED-EXPRESSION: FILE edited in one rename, its mode and owner kept.
edit_config() {
  local file=$1 expression=$2 new
  new=$(mktemp "$file.XXXXXX")
  sed -e "$expression" "$file" >"$new"
  chmod --reference="$file" "$new"
  chown --reference="$file" "$new" 2>/dev/null || true
  mv -f "$new" "$file"
}

ensure_technician_pin() {
  local config=$1 shipped=$2 kioskctl=$3 current pin="" new_hash="" try
  current=$(technician_pin_hash_of "$config")
  [ -n "$current" ] ||
    die "$config has no technician_pin_hash under [service]: add one (kioskctl hash-pin)"
  if [ "$current" != "$(technician_pin_hash_of "$shipped")" ]; then
    unchanged "technician PIN (this kiosk's own)"
  else
    if [ -t 0 ]; then
      echo "  the technician PIN opens the service screen: choose one of 6 to 12 digits"
      for try in 1 2 3; do
        new_hash=$("$kioskctl" hash-pin) && break
        new_hash=""
        [ "$try" = 3 ] || echo "  try once more"
      done
      [ -n "$new_hash" ] || die "no technician PIN was set: run $INSTALLER again"
    else
      # No one to ask (a script, a pipe): a PIN of random digits, shown once below.
      pin=$(python3 -c "import secrets; print(''.join(secrets.choice('0123456789') for _ in range($TECHNICIAN_PIN_DIGITS)))")
      new_hash=$("$kioskctl" hash-pin --pin-stdin <<<"$pin") ||
        die "could not hash the new technician PIN with $kioskctl hash-pin"
    fi
    edit_config "$config" "s|^\([[:space:]]*technician_pin_hash[[:space:]]*=\).*|\1 \"$new_hash\"|"
    changed "technician PIN set in $config (the demo's 2468 no longer opens the service screen)"
    if [ -n "$pin" ]; then
      echo "  technician PIN of this kiosk: $pin"
      echo "  (shown only now: write it down for the service screen; to change it: kioskctl hash-pin)"
    fi
  fi
  if sed -n '/^\[service\]/,/^\[/p' "$config" | grep -Eq '^[[:space:]]*demo[[:space:]]*=[[:space:]]*true'; then
    edit_config "$config" '/^\[service\]/,/^\[/ s/^\([[:space:]]*demo[[:space:]]*=[[:space:]]*\)true/\1false/'
    changed "[service] demo = false in $config: an installed kiosk is not the demo"
  fi
}
