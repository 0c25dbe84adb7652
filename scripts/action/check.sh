#!/usr/bin/env bash
# The Action's check step: one `bulklint check` run that annotates the pull request
# (`--format github`) and, when asked, writes SARIF from the same findings (`--sarif`).
#
# Inputs (environment only, never pasted into a script):
#   BULKLINT_PATHS  drafts, directories or globs, one per line; each line is one argument, as
#                   written (spaces kept; globs are expanded by bulklint, not by a shell)
#   BULKLINT_ARGS   extra arguments, split at whitespace; no quoting, expansion or substitution
#   BULKLINT_SARIF  a file for SARIF, or empty
set -euo pipefail
set -f

paths=()
while IFS= read -r line || [ -n "$line" ]; do
  line=${line%$'\r'}
  [ -n "$line" ] && paths+=("$line")
done <<<"${BULKLINT_PATHS:-.}"
[ ${#paths[@]} -gt 0 ] || paths=(.)

args=()
read -r -d '' -a args <<<"${BULKLINT_ARGS:-}" || true

sarif=()
[ -z "${BULKLINT_SARIF:-}" ] || sarif=(--sarif "$BULKLINT_SARIF")

# `${a[@]+"${a[@]}"}`: an empty array under `set -u` in macOS's bash 3.2.
exec bulklint check --format github ${sarif[@]+"${sarif[@]}"} ${args[@]+"${args[@]}"} -- "${paths[@]}"
