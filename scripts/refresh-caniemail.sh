#!/bin/sh
# Re-fetches the caniemail data (https://github.com/shellscape/caniemail, MIT) with npm and
# rewrites vendor/caniemail/: features.json (each feature's support in each client's latest
# tested version, with the notes it cites) and LICENSE. build.rs turns features.json into
# tables at build time, so run `cargo test` afterwards and commit the three files together.
#
# Usage: scripts/refresh-caniemail.sh [VERSION]   (default: the latest on npm)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
version=${1:-latest}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "caniemail@$version" >/dev/null && tar xzf caniemail-*.tgz)
out="$here/vendor/caniemail"
mkdir -p "$out"
cp "$work/package/LICENSE" "$out/LICENSE"
python3 - "$work/package" "$out/features.json" <<'PY'
import json, sys
package, out = sys.argv[1], sys.argv[2]
with open(f"{package}/package.json") as f:
    version = json.load(f)["version"]
with open(f"{package}/data/caniemail.json") as f:
    data = json.load(f)

def reduce(feature):
    # Versions are listed oldest first in the data (their names mix dates and numbers, so they
    # cannot be sorted); the last one is the client as readers have it today.
    support, cited = {}, set()
    for family, platforms in feature["stats"].items():
        for platform, versions in platforms.items():
            if not versions:
                continue
            value = list(versions.values())[-1].split()
            level, notes = value[0], [n.lstrip("#") for n in value[1:]]
            # Now and then a version cites a note the feature does not have: nothing to show.
            notes = [n for n in notes if n in (feature.get("notes_by_num") or {})]
            if level == "u":
                continue
            # A note on a supported feature is a remark, not a limit.
            if level == "y":
                notes = []
            cited.update(notes)
            support[f"{family}/{platform}"] = " ".join([level] + notes)
    notes = {n: t for n, t in (feature.get("notes_by_num") or {}).items() if n in cited}
    return {"slug": feature["slug"], "title": feature["title"], "support": support, "notes": notes}

features = sorted(
    (reduce(f) for f in data["data"] if f["category"] in ("css", "html", "image")),
    key=lambda f: f["slug"],
)
snapshot = {
    "package": f"caniemail@{version}",
    "data-updated": data["last_update_date"][:10],
    "families": data["nicenames"]["family"],
    "platforms": data["nicenames"]["platform"],
}
with open(out, "w") as f:
    f.write("{\n")
    for k, v in snapshot.items():
        f.write(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},\n")
    f.write('"features": [\n')
    f.write(",\n".join(json.dumps(x, ensure_ascii=False, separators=(",", ":")) for x in features))
    f.write("\n]}\n")
print(f"{out}: {len(features)} features from caniemail@{version}")
PY
