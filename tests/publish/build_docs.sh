# shellcheck shell=bash
# Build the acstor.edge docs site from the installed collection tarball (make install) into .build/docs/html.
# antsibull-docs writes one page per module, role (every entry point), filter, inventory and callback
# plugin, plus the extra docs (docs/docsite/); the Markdown guides of docs/ are copied beside the
# Guides page and listed there; Sphinx treats every warning as an error.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
out="$repo/.build/docs"
collections="${ANSIBLE_COLLECTIONS_PATH:-$repo/.collections}"
rm -rf "$out"
mkdir -p "$out/rst"
chmod og-w "$out/rst"  # antsibull-docs wants its output directory writable by its owner only
ANSIBLE_COLLECTIONS_PATH="$collections" antsibull-docs collection --use-current --squash-hierarchy \
  --fail-on-error --cleanup everything --dest-dir "$out/rst" acstor.edge
guides="$out/rst/docsite/guides"
mkdir -p "$guides"
cp "$repo"/docs/*.md "$guides/"
mkdir -p "$guides/bench"
cp "$repo"/docs/bench/*.png "$guides/bench/"  # the plots docs/benchmarks.md shows
{
  printf '\n.. toctree::\n   :maxdepth: 1\n\n'
  for page in "$guides"/*.md; do printf '   guides/%s\n' "$(basename "$page" .md)"; done
} >> "$out/rst/docsite/guides.rst"
python3 "$repo/tests/publish/ansible_inventory.py" "$out/rst" "$out/ansible-objects.inv"
ACSTOR_ANSIBLE_INVENTORY="$out/ansible-objects.inv" sphinx-build -q -W --keep-going -b html -c "$repo/docs/docsite/sphinx" "$out/rst" "$out/html"
echo "docs site: $out/html/index.html"
