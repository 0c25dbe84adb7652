#!/usr/bin/env bash
# The Action's install step: the released binary for this runner, verified against the
# release's SHA256SUMS; without a release asset for it, `cargo install --locked` from the
# action's own checkout (the action caches BULKLINT_INSTALL_DIR, so that runs once per version).
# A checksum mismatch is an error, never a reason to fall back.
#
# Inputs (environment only; nothing here is evaluated by a shell):
#   BULKLINT_SOURCE       the action's checkout (its Cargo.toml gives the version)
#   BULKLINT_INSTALL_DIR  where the binary goes (bin/ below it is added to GITHUB_PATH)
#   BULKLINT_REPO         owner/name the releases come from
#   BULKLINT_RELEASE_URL  base URL of the release's assets (default: the GitHub release of vVERSION)
#   RUNNER_OS, RUNNER_ARCH, GITHUB_PATH  as GitHub sets them
set -euo pipefail
set -f

source_dir=${BULKLINT_SOURCE:?BULKLINT_SOURCE: the action checkout}
install_dir=${BULKLINT_INSTALL_DIR:?BULKLINT_INSTALL_DIR: where to install}
bin_dir="$install_dir/bin"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$source_dir/Cargo.toml" | head -n 1)
[ -n "$version" ] || { echo "::error::no version in $source_dir/Cargo.toml"; exit 1; }

exe=bulklint
case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
  Linux/X64) target=x86_64-unknown-linux-musl ;;
  Linux/ARM64) target=aarch64-unknown-linux-musl ;;
  macOS/X64) target=x86_64-apple-darwin ;;
  macOS/ARM64) target=aarch64-apple-darwin ;;
  Windows/X64) target=x86_64-pc-windows-msvc exe=bulklint.exe ;;
  *) target="" ;;
esac

add_to_path() {
  "$bin_dir/$exe" --version
  if [ -n "${GITHUB_PATH:-}" ]; then
    printf '%s\n' "$bin_dir" >>"$GITHUB_PATH"
  fi
}

sha256() {
  if command -v sha256sum >/dev/null; then
    sha256sum "$1" | cut -d ' ' -f 1
  else
    shasum -a 256 "$1" | cut -d ' ' -f 1
  fi
}

# A cache hit from an earlier run of the same version.
if [ -x "$bin_dir/$exe" ] && "$bin_dir/$exe" --version | grep -qx "bulklint $version"; then
  echo "bulklint $version: cached"
  add_to_path
  exit 0
fi

download() {
  [ -n "$target" ] || { echo "no prebuilt binary for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}"; return 1; }
  local base=${BULKLINT_RELEASE_URL:-https://github.com/${BULKLINT_REPO:-bulklint/bulklint}/releases/download/v$version}
  local archive="bulklint-v$version-$target"
  case "$target" in *windows*) archive="$archive.zip" ;; *) archive="$archive.tar.gz" ;; esac
  local tmp
  tmp=$(mktemp -d)
  if ! curl -fsSL --retry 3 -o "$tmp/$archive" "$base/$archive" ||
    ! curl -fsSL --retry 3 -o "$tmp/SHA256SUMS" "$base/SHA256SUMS"; then
    echo "no release asset $archive at $base"
    return 1
  fi
  local want got
  want=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1 }' "$tmp/SHA256SUMS")
  got=$(sha256 "$tmp/$archive")
  if [ -z "$want" ] || [ "$want" != "$got" ]; then
    echo "::error::checksum mismatch for $archive: SHA256SUMS says '${want:-nothing}', the download is $got"
    exit 1
  fi
  mkdir -p "$bin_dir"
  case "$archive" in
    *.zip) unzip -q -o -j "$tmp/$archive" "$exe" -d "$bin_dir" ;;
    *) tar -xzf "$tmp/$archive" -C "$bin_dir" "$exe" ;;
  esac
  chmod +x "$bin_dir/$exe"
  echo "bulklint $version: downloaded $archive (sha256 $got)"
}

if ! download; then
  echo "building bulklint $version from source (cargo install --locked)"
  cargo install --locked --root "$install_dir" --path "$source_dir"
fi
add_to_path
