"""Every role's meta/argument_specs.yml documents exactly its defaults/main.yml, with equal values.

A Jinja template as the default of a dict, list, bool, int or raw option (the value comes from another
variable) is a string where the docs and the argument validation expect that type: the spec leaves
`default` out and its description names the variable. A str option may show its template as its default.
Generic over roles/*/: a new role is checked as soon as it exists.
"""

import re
from pathlib import Path

import pytest
import yaml

ROLES_DIR = Path(__file__).resolve().parents[2] / "roles"
ROLES = sorted(path.name for path in ROLES_DIR.iterdir() if (path / "tasks").is_dir()) if ROLES_DIR.is_dir() else []


def _yaml(path):
    if not path.is_file():
        return None
    return yaml.safe_load(path.read_text()) or {}


def _options(role):
    specs = _yaml(ROLES_DIR / role / "meta" / "argument_specs.yml")
    assert specs is not None, f"roles/{role}/meta/argument_specs.yml is missing"
    entry = specs.get("argument_specs", {}).get("main")
    assert entry is not None, f"roles/{role}/meta/argument_specs.yml has no 'main' entry point"
    return entry.get("options") or {}


def _defaults(role):
    return _yaml(ROLES_DIR / role / "defaults" / "main.yml") or {}


def _is_template(value):
    return isinstance(value, str) and "{{" in value


def _typed_template(spec, value):
    """A template standing for a value of another type than str (which only the template's result has)."""
    return _is_template(value) and spec.get("type", "str") != "str"


def _description(spec):
    text = spec.get("description") or ""
    return " ".join(text) if isinstance(text, list) else text


def test_there_are_roles():
    assert ROLES, "no roles found under roles/"


@pytest.mark.parametrize("role", ROLES)
def test_every_default_is_documented_with_the_same_value(role):
    options, defaults = _options(role), _defaults(role)
    undocumented = sorted(set(defaults) - set(options))
    assert not undocumented, f"roles/{role}: defaults not in argument_specs: {undocumented}"
    drifted = sorted(
        name
        for name, value in defaults.items()
        if not _typed_template(options[name], value) and options[name].get("default") != value
    )
    assert not drifted, f"roles/{role}: argument_specs default differs from defaults/main.yml for {drifted}"


@pytest.mark.parametrize("role", ROLES)
def test_templated_defaults_are_described_not_declared(role):
    options, defaults = _options(role), _defaults(role)
    for name, value in defaults.items():
        if not _typed_template(options[name], value):
            continue
        assert "default" not in options[name], (
            f"roles/{role}: {name} declares the Jinja default {options[name]['default']!r}; leave it out and "
            "say in the description where the value comes from"
        )
        sources = re.findall(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)", value)
        missing = [source for source in sources if source not in _description(options[name])]
        assert not missing, f"roles/{role}: the description of {name} does not name its source {missing}"


@pytest.mark.parametrize("role", ROLES)
def test_no_documented_default_is_a_template_of_another_type(role):
    templated = sorted(name for name, spec in _options(role).items() if _typed_template(spec, spec.get("default")))
    assert not templated, f"roles/{role}: Jinja strings as argument_specs defaults: {templated}"


@pytest.mark.parametrize("role", ROLES)
def test_every_documented_default_exists_in_defaults(role):
    options, defaults = _options(role), _defaults(role)
    missing = sorted(name for name, spec in options.items() if "default" in spec and name not in defaults)
    assert not missing, f"roles/{role}: argument_specs defaults missing from defaults/main.yml: {missing}"


@pytest.mark.parametrize("role", ROLES)
def test_every_option_has_a_type_and_description(role):
    bad = sorted(name for name, spec in _options(role).items() if not spec.get("type") or not spec.get("description"))
    assert not bad, f"roles/{role}: options without type or description: {bad}"


@pytest.mark.parametrize("role", ROLES)
def test_role_variables_carry_the_role_prefix(role):
    # Shared fleet-wide variables start with acstor_edge_; every other one is the role's own.
    bad = sorted(
        name for name in _options(role) if not name.startswith(role + "_") and not name.startswith("acstor_edge_")
    )
    assert not bad, f"roles/{role}: variables without the {role}_ prefix: {bad}"
