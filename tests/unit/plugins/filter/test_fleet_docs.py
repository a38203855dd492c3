"""Every filter is documented the way ansible-doc reads filters: one YAML file per filter beside its plugin in
plugins/filter/, whose options are the filter's own arguments, and whose examples say what is true."""

import importlib
import inspect
from pathlib import Path

import pytest
import yaml

FILTER_DIR = Path(__file__).resolve().parents[4] / "plugins" / "filter"
FILTERS = {}
for _plugin in sorted(FILTER_DIR.glob("*.py")):
    FILTERS.update(
        importlib.import_module("ansible_collections.acstor.edge.plugins.filter." + _plugin.stem)
        .FilterModule()
        .filters()
    )


def _doc(name):
    path = FILTER_DIR / f"{name}.yml"
    assert path.is_file(), f"plugins/filter/{name}.yml is missing: ansible-doc and Galaxy cannot document {name}"
    return yaml.safe_load(path.read_text())


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_every_filter_has_documentation_examples_and_return(name):
    doc = _doc(name)
    assert set(doc) == {"DOCUMENTATION", "EXAMPLES", "RETURN"}
    assert doc["DOCUMENTATION"]["name"] == name
    assert f"acstor.edge.{name}(" in doc["EXAMPLES"]
    yaml.safe_load(doc["EXAMPLES"])  # the examples are a valid task list
    assert "_value" in doc["RETURN"]


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_documented_options_are_the_filter_arguments(name):
    options = _doc(name)["DOCUMENTATION"]["options"]
    params = list(inspect.signature(FILTERS[name]).parameters.values())
    assert "_input" in options and options["_input"].get("required")
    documented = {key: bool(spec.get("required")) for key, spec in options.items() if key != "_input"}
    actual = {p.name: p.default is inspect.Parameter.empty for p in params[1:]}
    assert documented == actual, f"{name}: documented options (name: required) differ from the signature"


def test_no_stray_documentation_files():
    stray = sorted(p.stem for p in FILTER_DIR.glob("*.yml") if p.stem not in FILTERS)
    assert not stray, f"plugins/filter: documentation for filters that do not exist: {stray}"


def test_the_batches_example_is_true():
    # fleet_rollout_batches.yml: one canary, then 50%, then the rest.
    assert FILTERS["fleet_rollout_batches"](["c1", "c2", "c3", "c4", "c5"], [1, "50%"], ["c3"]) == [
        ["c3"],
        ["c1", "c2"],
        ["c4", "c5"],
    ]


def test_the_verdict_example_is_true():
    assert FILTERS["fleet_batch_verdict"](["c1", "c2", "c3", "c4"], ["c2", "c4"], 25) == {
        "continue": False,
        "failed": ["c2", "c4"],
        "failed_percentage": 50.0,
    }


def test_the_inventory_example_is_clean():
    result = FILTERS["fleet_inventory_errors"](
        {"node1": {"cluster": "c1", "products": ["local_csi"], "phases": []}},
        {"c1": {"connection": "local"}},
        {"serial": [1, "100%"], "max_fail_percentage": 0},
    )
    assert result["errors"] == [] and result["members"] == {"c1": ["node1"]}
