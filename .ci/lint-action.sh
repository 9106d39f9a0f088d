#!/usr/bin/env bash
# zizmor and shellcheck on the GitHub Action (action.yml, action/*.sh), the release
# workflow and the README's example workflow (the yaml block after its
# `<!-- workflow: … -->` marker). zizmor and PyYAML come from PyPI into a virtualenv
# under target/ci-tools; shellcheck from Debian's packages. Idempotent.
#
#   .ci/lint-action.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
tools="${CARGO_TARGET_DIR:-$root/target}/ci-tools"
venv="$tools/venv"
zizmor_version=1.32.0
pyyaml_version=6.0.3

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if ! "$venv/bin/zizmor" --version 2>/dev/null | grep -qx "zizmor $zizmor_version" ||
  ! "$venv/bin/python" -c "import yaml" 2>/dev/null; then
  rm -rf "$venv"
  mkdir -p "$tools"
  if ! python3 -m venv "$venv"; then
    rm -rf "$venv"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq python3-venv
    python3 -m venv "$venv"
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "zizmor==$zizmor_version" "pyyaml==$pyyaml_version"
fi
if ! command -v shellcheck >/dev/null 2>&1; then
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq shellcheck
fi
echo "lint-action.sh: $("$venv/bin/zizmor" --version), shellcheck $(shellcheck --version | sed -n 's/^version: //p')"

# The README's workflow into a file of its own, and every `run:` block of the three
# workflows into a script for shellcheck (as bash, as the runner runs them).
out="$tools/extracted"
rm -rf "$out"
mkdir -p "$out/readme/.github/workflows" "$out/run"
"$venv/bin/python" - "$out" <<'PY'
import pathlib, sys, yaml

out = pathlib.Path(sys.argv[1])
marker = "<!-- workflow: .github/workflows/mcpform.yml -->"
readme = pathlib.Path("README.md").read_text()
rest = readme[readme.index(marker) + len(marker):]
start = rest.index("```yaml\n") + len("```yaml\n")
workflow = rest[start:rest.index("\n```", start) + 1]
readme_file = out / "readme/.github/workflows/mcpform.yml"
readme_file.write_text(workflow)

def steps(doc):
    if "runs" in doc:
        yield from doc["runs"].get("steps", [])
    for job in (doc.get("jobs") or {}).values():
        yield from job.get("steps", [])

count = 0
for name, path in [("action", "action.yml"), ("release", ".github/workflows/release.yml"),
                   ("readme", str(readme_file))]:
    doc = yaml.safe_load(pathlib.Path(path).read_text())
    for i, step in enumerate(steps(doc)):
        if "run" in step:
            if step.get("shell", "bash") != "bash":
                sys.exit(f"{path}: step {i} runs in {step.get('shell')}, not bash")
            (out / "run" / f"{name}-{i}.sh").write_text("#!/usr/bin/env bash\n# as the runner runs it: bash --noprofile --norc -eo pipefail\nset -eo pipefail\n" + step["run"])
            count += 1
print(f"lint-action.sh: {count} run blocks extracted")
PY

shellcheck --shell=bash --external-sources --source-path="$root" action/*.sh .ci/lint-action.sh "$out"/run/*.sh
echo "lint-action.sh: shellcheck clean"

"$venv/bin/zizmor" --offline --no-progress action.yml .github/workflows/release.yml "$out/readme/.github/workflows/mcpform.yml"
echo "lint-action.sh: zizmor clean"
