"""node_prep's task layout on a node already prepared: what the controller evaluates per host.

Each task costs the controller a forked worker per host, skipped or not (the fleet bench's P3b compares the no-op's
controller CPU with a ping play of as many tasks as the no-op ran, so a skipped task is pure cost). One module call,
acstor.edge.node_prep, reads the node and writes the kernel configuration when every package is installed; the other
tasks that change the node sit behind one include whose condition is that call's result (a package missing, or state
absent). These tests read the role's task files as Ansible does (imports expanded, includes not) and render that
condition and the role's public node_prep_stripes_ahead with Ansible's templating.
"""

from pathlib import Path

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

ROLE = Path(__file__).resolve().parents[3] / "roles" / "node_prep"
TASKS = ROLE / "tasks"
CHANGING_MODULES = ("ansible.builtin.package", "ansible.builtin.command", "acstor.edge.node_kernel_config")
# The one call outside the include that changes the node: read, plan and (every package installed) write.
ONE_CALL = "acstor.edge.node_prep"
ALL_TAGS = ("all",)


def _expanded(name, tags=()):
    """[(task, effective tags)] of a task file, import_tasks expanded (static), include_tasks kept as one task."""
    tasks = []
    for task in yaml.safe_load((TASKS / name).read_text()):
        own = list(tags) + list(task.get("tags", []))
        if "ansible.builtin.import_tasks" in task:
            tasks += _expanded(task["ansible.builtin.import_tasks"], own)
        else:
            tasks.append((task, own))
    return tasks


def _module(task):
    return next((key for key in task if "." in key), "")


def _include_when():
    includes = [task for task, _tags in _expanded("main.yml") if "ansible.builtin.include_tasks" in task]
    assert len(includes) == 1, "one include for every change"
    return includes[0]


def _templar(state, run_tags=ALL_TAGS, node_state=None):
    """A Templar over the role's defaults and vars, the run's tags and the registered read (None: not run)."""
    variables = dict(yaml.safe_load((ROLE / "defaults" / "main.yml").read_text()))
    variables.update(yaml.safe_load((ROLE / "vars" / "main.yml").read_text()))
    variables = dict(
        (key, trust_as_template(value) if isinstance(value, str) else value) for key, value in variables.items()
    )
    variables.update(node_prep_state=state, ansible_run_tags=list(run_tags), ansible_skip_tags=[])
    if node_state is not None:
        variables["__node_prep_state"] = node_state
    return Templar(loader=DataLoader(), variables=variables)


def _included(state, run_tags=ALL_TAGS, **node_state):
    """Whether the include's condition holds, rendered with the role's defaults and vars."""
    if node_state:
        node_state = dict({"packages_missing": [], "kernel_config": {"changed": False}}, **node_state)
    templar = _templar(state, run_tags, node_state or None)
    for condition in _include_when()["when"]:
        # Ansible stops at the first condition that does not hold
        if not templar.template(trust_as_template("{{ %s }}" % condition)):
            return False
    return True


def test_tasks_that_change_the_node_are_behind_the_include_but_the_one_call():
    static = [task for task, _tags in _expanded("main.yml")]
    assert not [t["name"] for t in static if _module(t) in CHANGING_MODULES]
    assert [t["when"] for t in static if _module(t) == ONE_CALL] == ["node_prep_state == 'present'"]
    included = [task for name in ("present.yml", "absent.yml") for task, _tags in _expanded(name)]
    assert {_module(t) for t in included} >= set(CHANGING_MODULES)
    # state absent reads with node_prep_info (which writes nothing) inside its include
    assert _module(_expanded("absent.yml")[0][0]) == "acstor.edge.node_prep_info"


def test_a_prepared_node_costs_the_one_call_its_checks_one_include_and_the_lvm_check():
    # before: 13 tasks per host (8 of them skipped one by one), then 5 (the input check after the read: now the
    # module's own, it fails naming every input)
    names = [task["name"] for task, _tags in _expanded("main.yml")]
    assert len(names) == 4, names


@pytest.mark.parametrize(
    "state, run_tags, node_state, expected",
    [
        ("present", ALL_TAGS, {}, False),
        ("present", ALL_TAGS, {"packages_missing": ["lvm2"]}, True),
        ("present", ["sysctl"], {"packages_missing": ["lvm2"], "kernel_config": {"changed": True}}, True),
        # every package installed: node_prep applied the kernel configuration itself
        ("present", ALL_TAGS, {"kernel_config": {"changed": True, "applied": True}}, False),
        ("present", ["sysctl"], {"kernel_config": {"changed": True, "applied": True}}, False),
        ("absent", ALL_TAGS, {}, True),
    ],
)
def test_the_include_runs_only_when_the_read_found_a_change(state, run_tags, node_state, expected):
    assert _included(state, run_tags, **dict({"packages_missing": []}, **node_state)) is expected


def test_the_include_runs_for_absent_after_the_skipped_present_call():
    # state absent: node_prep (when: present) registered a skipped result; absent.yml reads with node_prep_info
    templar = _templar(
        "absent", ALL_TAGS, {"changed": False, "skipped": True, "skip_reason": "Conditional result was False"}
    )
    assert all(templar.template(trust_as_template("{{ %s }}" % c)) for c in _include_when()["when"])


@pytest.mark.parametrize(
    "node_state, expected",
    [
        (None, {}),  # the read did not run (another role's tags)
        ({"changed": False, "skipped": True}, {}),  # state absent
        ({"stripes_ahead": {}}, {}),  # a change, a missing package, or not asked
        ({"stripes_ahead": {"stripes": [{"name": "fast"}]}}, {"stripes": [{"name": "fast"}]}),
    ],
)
def test_node_prep_stripes_ahead_is_what_the_one_call_read_else_empty(node_state, expected):
    templar = _templar("present", ALL_TAGS, node_state)
    assert templar.template(trust_as_template("{{ node_prep_stripes_ahead }}")) == expected


def test_the_include_is_skipped_when_the_read_did_not_run():
    # another role's tags (say --tags stripe): the read was not run, the include (tagged always) must not fail
    assert _included("present") is False


def test_the_included_tasks_carry_their_tags_themselves():
    # an include passes no tags to its tasks: each names `prep` and its phase, as the imports gave them before
    for name in ("present.yml", "absent.yml"):
        for task, tags in _expanded(name):
            assert "prep" in tags, (name, task["name"])
    assert "always" in _include_when()["tags"]
