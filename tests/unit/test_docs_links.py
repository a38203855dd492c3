"""The README's table names every module and role, and the relative links in README.md and docs/*.md lead to files
that exist (no placeholder hosts such as example.invalid)."""

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")), *sorted(REPO.glob("roles/*/README.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)


def test_readme_table_names_every_module_and_role():
    readme = (REPO / "README.md").read_text()
    modules = sorted(p.stem for p in (REPO / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
    missing = [m for m in modules if "| module | `acstor.edge.%s` |" % m not in readme]
    assert missing == [], "modules without a row in README.md's table: %s" % missing
    roles = sorted(p.name for p in (REPO / "roles").iterdir() if (p / "tasks").is_dir())
    assert [r for r in roles if "(roles/%s/README.md)" % r not in readme] == []


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(REPO)) for p in PAGES])
def test_relative_links_resolve(page):
    text = page.read_text()
    assert "example.invalid" not in text
    broken = []
    for target in LINK.findall(CODE.sub("", text)):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        path = target.split("#", 1)[0]
        if not (page.parent / path).exists():
            broken.append(target)
    assert broken == [], "%s: links to missing files: %s" % (page.relative_to(REPO), broken)
