"""The version in galaxy.yml is a release the changelog knows, and the generated changelog says so.

Galaxy shows CHANGELOG.rst to users; antsibull-changelog writes it from changelogs/changelog.yaml.
Bumping galaxy.yml without `antsibull-changelog release` (docs/releasing.md) fails here.
"""

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def _galaxy_version():
    return str(yaml.safe_load((REPO / "galaxy.yml").read_text())["version"])


def _changelog():
    return yaml.safe_load((REPO / "changelogs" / "changelog.yaml").read_text())


def test_galaxy_version_is_a_released_version():
    version = _galaxy_version()
    releases = _changelog().get("releases") or {}
    assert version in releases, (
        f"galaxy.yml says {version} but changelogs/changelog.yaml has no release {version} "
        f"(has {sorted(releases)}): run antsibull-changelog release (docs/releasing.md)"
    )
    assert releases[version].get("release_date"), f"release {version} has no date"


def test_released_version_has_a_summary_and_changes():
    release = _changelog()["releases"][_galaxy_version()]
    changes = release.get("changes") or {}
    assert changes.get("release_summary"), "the release has no release_summary fragment"
    assert any(key != "release_summary" for key in changes), "the release lists no change"


def test_generated_changelog_shows_the_version():
    text = (REPO / "CHANGELOG.rst").read_text()
    assert f"v{_galaxy_version()}\n" in text, "CHANGELOG.rst is stale: run antsibull-changelog generate"


def test_changelog_versions_are_not_ahead_of_galaxy():
    from ansible.module_utils.compat.version import LooseVersion

    version = LooseVersion(_galaxy_version())
    ahead = [v for v in (_changelog().get("releases") or {}) if LooseVersion(v) > version]
    assert not ahead, f"changelogs/changelog.yaml has releases after galaxy.yml's {version}: {ahead}"
