#!/bin/sh
# The tor image's entry point: checks the workspace onion service's client keys, then runs its
# command (the image's CMD: tor with deploy/torrc) in its own place.
#
# Why here: with no valid `<name>.auth` file in the workspace service's authorized_clients/, tor
# publishes the workspace onion without client authorisation, reachable by anyone who learns its
# address; tor skips a malformed or unreadable key file with a warning and starts all the same. So
# this refuses to start unless every file there is a well-formed, readable client key and there is
# at least one. Nothing but the shipped README.md may sit beside the keys: tor ignores any other
# name, and a key saved under the wrong name would silently not count.
#
# AUTHORIZED_CLIENTS_DIR moves the folder checked (the tests use it); the default is where
# deploy/compose.yaml mounts deploy/authorized_clients/.
set -eu

dir=${AUTHORIZED_CLIENTS_DIR:-/var/lib/tor/candour-workspace/authorized_clients}

refuse () {
  printf 'candour-tor: refusing to start tor: %s\n' "$1" >&2
  printf 'candour-tor: without a valid client key in %s, tor would publish the workspace onion to anyone who learns its address.\n' "$dir" >&2
  printf 'candour-tor: make one with `npm run candour -- onion-client add --name <reviewer> --onion <workspace address> --out <dir>`, copy <reviewer>.auth into deploy/authorized_clients/ (chmod 644) and start again; see docs/operations.md, "Deploying".\n' >&2
  exit 1
}

[ -d "$dir" ] || refuse "$dir is not a directory"

keys=0
for file in "$dir"/* "$dir"/.*; do
  name=${file##*/}
  case $name in
    . | ..) continue ;;
    # The explainer shipped in deploy/authorized_clients/.
    README.md) continue ;;
  esac
  # A pattern that matched nothing stays as it was written.
  [ -e "$file" ] || [ -L "$file" ] || continue
  case $name in
    *.auth) ;;
    *) refuse "$file is not a client key: keys are named <reviewer>.auth, and tor ignores any other name" ;;
  esac
  { [ -f "$file" ] && [ -r "$file" ]; } || refuse "$file is not a readable file"
  # Exactly one line `descriptor:x25519:<the public key in base32>` (a 32-byte key is 52 characters).
  content=$(cat "$file") || refuse "$file cannot be read"
  case $content in
    *'
'*) refuse "$file holds more than one line" ;;
  esac
  printf '%s\n' "$content" | grep -Eqx 'descriptor:x25519:[A-Za-z2-7]{52}' \
    || refuse "$file is not of the form descriptor:x25519:<52 base32 characters>"
  keys=$((keys + 1))
done

[ "$keys" -gt 0 ] || refuse "$dir holds no client key (<reviewer>.auth)"

exec "$@"
