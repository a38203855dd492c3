"""The nvme_stripe role's arguments for acstor.edge.nvme_stripes, defined once (vars/main.yml), and when the role
skips its call for node_prep's read-ahead - rendered with Ansible's own templating, from the nvme_stripe role's
context and from node_prep's (whose task templates __nvme_stripe_read_ahead_args).

The digest the role computes in Jinja must be the one stripe/read_ahead computes on the node from the arguments the
module received (after their trip through JSON): both are checked on a realistic dict (the real boot script, unit
texts with newlines, nulls, ints, bools, a float).
"""

import json
from pathlib import Path

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

from ansible_collections.acstor.edge.plugins.module_utils.stripe.node_runner import ARGUMENT_SPEC
from ansible_collections.acstor.edge.plugins.module_utils.stripe.read_ahead import args_digest, argument_errors

from role_templating import trusted

ROLES = Path(__file__).resolve().parents[3] / "roles"
ROLE = ROLES / "nvme_stripe"
TASKS = yaml.safe_load((ROLE / "tasks" / "main.yml").read_text())
STRIPES = [
    {"name": "fast", "selector": {"class": "local", "count": 2}, "mount_path": "/srv/fast", "ephemeral": True},
    {"name": "csi", "mode": "csi_vg", "devices": ["ELDD33A00002"], "size_tolerance": 2.5, "volume_group": None},
]


def _role_file(name):
    # a plain Templar has no collection loader: ansible.builtin's lookups by their short names (the same plugins)
    return trusted(yaml.safe_load((ROLE / name).read_text().replace("lookup('ansible.builtin.", "lookup('")))


def variables(role="nvme_stripe", **overrides):
    """The play's variables as a task of `role` sees them with nvme_stripe in the play's roles."""
    result = _role_file("defaults/main.yml")
    result.update(_role_file("vars/main.yml"))
    # a run without --tags/--skip-tags, as ansible-playbook sets them
    result.update(role_path=str(ROLES / role), nvme_stripe_list=STRIPES, ansible_run_tags=["all"], ansible_skip_tags=[])
    result.update(overrides)
    return result


def render(expression, role="nvme_stripe", **overrides):
    templar = Templar(loader=DataLoader(), variables=variables(role, **overrides))
    return templar.template(trust_as_template("{{ %s }}" % expression))


def plain(value):
    """What a module receives: the value after its trip through JSON."""
    return json.loads(json.dumps(value))


REALISTIC = dict(
    acstor_edge_csi_volume_group="acstor",
    nvme_stripe_metrics_dir="/var/lib/node_exporter/textfile_collector",
    nvme_stripe_health_fact_file="",
)


@pytest.mark.parametrize("overrides", [{}, REALISTIC], ids=["defaults", "metrics, fleet vg, no health fact"])
def test_the_arguments_are_the_same_from_either_role(overrides):
    args = render("__nvme_stripe_module_args", **overrides)
    assert plain(args) == plain(render("__nvme_stripe_module_args", role="node_prep", **overrides))
    assert args["script"] == (ROLE / "files" / "acstor_edge_stripe_boot.py").read_text()
    assert (
        "\n" in args["units"][0]["content"]
        and "Before=local-fs-pre.target kubelet.service" in args["units"][0]["content"]
    )
    assert argument_errors(plain(args))[0] == []


def test_the_realistic_arguments():
    args = plain(render("__nvme_stripe_module_args", **REALISTIC))
    assert [unit["name"] for unit in args["units"]] == [
        "acstor-edge-stripes.service",
        "acstor-edge-stripe-metrics.service",
        "acstor-edge-stripe-metrics.timer",
    ]
    assert args["csi_volume_group"] == "acstor" and args["health_fact_file"] is None
    assert args["units"][1]["enabled"] is False and args["stripes"][1]["size_tolerance"] == 2.5
    assert args["stripes"][0]["selector"]["count"] == 2 and args["stripes"][1]["volume_group"] is None


def test_nulls_only_where_the_module_reads_null_as_not_given():
    args = render("__nvme_stripe_module_args")
    nulls = sorted(key for key, value in args.items() if value is None)
    assert nulls == ["csi_volume_group", "metrics_dir"]
    assert set(args) == set(ARGUMENT_SPEC)
    for key in ("csi_volume_group", "metrics_dir", "health_fact_file"):
        assert ARGUMENT_SPEC[key].get("default") is None, key


@pytest.mark.parametrize("overrides", [{}, REALISTIC], ids=["defaults", "metrics, fleet vg, no health fact"])
@pytest.mark.parametrize("role", ["nvme_stripe", "node_prep"])
def test_the_roles_digest_is_the_read_aheads(overrides, role):
    args = render("__nvme_stripe_read_ahead_args", role=role, **overrides)
    digest = render("__nvme_stripe_module_args | to_json(sort_keys=True) | hash('sha256')", **overrides)
    assert digest == args_digest(plain(args))


def test_the_digest_follows_every_argument():
    base = render("__nvme_stripe_module_args | to_json(sort_keys=True) | hash('sha256')")
    for change in (
        dict(nvme_stripe_list=STRIPES[:1]),
        dict(nvme_stripe_before_units=["kubelet.service"]),
        dict(nvme_stripe_update_initramfs=False),
        dict(acstor_edge_csi_volume_group="other"),
    ):
        assert render("__nvme_stripe_module_args | to_json(sort_keys=True) | hash('sha256')", **change) != base, change


def test_no_read_ahead_without_stripes_or_when_off():
    # null (ansible-core 2.17 renders a lone null as an empty string: node_prep's task takes any false value as none)
    assert render("__nvme_stripe_read_ahead_args", nvme_stripe_list=[]) in (None, "")
    assert render("__nvme_stripe_read_ahead_args", nvme_stripe_read_ahead=False) in (None, "")
    assert render("__nvme_stripe_read_ahead_args", role="node_prep") == render("__nvme_stripe_module_args")


@pytest.mark.parametrize(
    "run_tags, skip_tags, reads_ahead",
    [
        (["all"], [], True),
        (["prep", "stripe"], [], True),
        (["prep"], [], False),
        (["all"], ["stripe"], False),
        (["stripe"], ["stripe"], False),
    ],
)
def test_no_read_ahead_when_the_tags_leave_the_role_out(run_tags, skip_tags, reads_ahead):
    # playbooks/nodes.yml tags the role `stripe`: a read-ahead the skipped role would not use is not made
    args = render("__nvme_stripe_read_ahead_args", ansible_run_tags=run_tags, ansible_skip_tags=skip_tags)
    assert (args not in (None, "")) is reads_ahead


def ahead(**changes):
    answer = dict(
        in_sync=True,
        id="0" * 31 + "1",
        args_digest=render("__nvme_stripe_module_args | to_json(sort_keys=True) | hash('sha256')"),
        result={"changed": False, "results": [], "unlisted": []},
        reason="",
    )
    answer.update(changes)
    return answer


@pytest.mark.parametrize(
    "extra, usable",
    [
        (dict(node_prep_stripes_ahead=ahead()), True),
        ({}, False),
        (dict(node_prep_stripes_ahead={}), False),
        (dict(node_prep_stripes_ahead=ahead(in_sync=False)), False),
        (dict(node_prep_stripes_ahead=ahead(in_sync="yes")), False),
        (dict(node_prep_stripes_ahead=ahead(args_digest="0" * 64)), False),
        (dict(node_prep_stripes_ahead=ahead(), __nvme_stripe_ahead_used="0" * 31 + "1"), False),
        (dict(node_prep_stripes_ahead=ahead(), __nvme_stripe_ahead_used="0" * 32), True),
        (dict(node_prep_stripes_ahead=ahead(id="")), False),
        (dict(node_prep_stripes_ahead=ahead(), nvme_stripe_read_ahead=False), False),
        (dict(node_prep_stripes_ahead=ahead(), nvme_stripe_list=STRIPES[:1]), False),
    ],
    ids=[
        "in sync, same args, unused",
        "no node_prep",
        "node_prep without read-ahead",
        "not in sync",
        "in_sync not a bool",
        "other args",
        "used already",
        "an older one used",
        "no id",
        "read-ahead off",
        "list changed after node_prep",
    ],
)
def test_when_the_read_ahead_replaces_the_call(extra, usable):
    assert render("__nvme_stripe_ahead_usable | bool", **extra) is usable


def _task(name_start):
    return next(task for task in TASKS if task["name"].startswith(name_start))


def test_the_call_passes_each_argument_of_the_one_definition():
    call = _task("Ensure the NVMe stripes")
    assert sorted(call["acstor.edge.nvme_stripes"]) == sorted(ARGUMENT_SPEC)
    for option, value in call["acstor.edge.nvme_stripes"].items():
        assert value.startswith("{{ __nvme_stripe_module_args.%s " % option) and value.endswith("}}"), option
    assert "not (__nvme_stripe_ahead_usable | bool)" in call["when"]


def test_the_published_results_come_from_the_read_ahead_when_the_call_was_skipped():
    publish = _task("Publish the stripes' results")
    outcome = publish["vars"]["__nvme_stripe_outcome"]
    skipped = {"changed": False, "skipped": True}
    registered = {"changed": False, "results": [{"name": "fast"}], "unlisted": [{"name": "old"}]}
    read = ahead(result={"changed": False, "results": [{"name": "fast"}], "unlisted": [], "csi_handoff": {"x": 1}})
    assert render(outcome[3:-3], node_prep_stripes_ahead=read, nvme_stripe_results=skipped) == read["result"]
    assert render(outcome[3:-3], node_prep_stripes_ahead=read, nvme_stripe_results=registered) == registered
    # the read-ahead is marked used by every run of the role (the set_fact the role already had: no task more)
    used = publish["ansible.builtin.set_fact"]["__nvme_stripe_ahead_used"][3:-3]
    assert render(used, node_prep_stripes_ahead=read) == read["id"]
    assert render(used, node_prep_stripes_ahead=read, __nvme_stripe_ahead_used="0" * 32) == read["id"]
    # a play without a read-ahead keeps the one used last: it may be visible again in a later play
    assert render(used, __nvme_stripe_ahead_used="0" * 32) == "0" * 32
    assert render(used) == ""
    assert len(TASKS) == 4
