#!/bin/sh
# Like the official node image: when the first argument is an option (-e,
# --version, ...) or a file that is not an executable command, run it with node.
set -e
if [ "${1#-}" != "$1" ] || { [ -n "$1" ] && [ -z "$(command -v -- "$1" 2>/dev/null)" ]; } || { [ -f "$1" ] && ! [ -x "$1" ]; }; then
  set -- node "$@"
fi
exec "$@"
