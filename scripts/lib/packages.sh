# shellcheck shell=bash
# Sourced: reads scripts/debian-packages, the one list of Debian packages, by section.
#   debian_packages FILE SECTION...   prints the packages of those sections, one a line
#   missing_packages PACKAGE...       prints those not installed (dpkg), one a line

debian_packages() {
  local file=$1
  shift
  local wanted=" $* "
  sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^[[:space:]]*$/d' "$file" |
    awk -v wanted="$wanted" '
      /^\[.*\]$/ { section = substr($0, 2, length($0) - 2); next }
      index(wanted, " " section " ") && !seen[$0]++ { print }'
}

missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}
