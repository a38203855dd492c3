"""The stripes' read-ahead (stripe/read_ahead): nvme_stripes' own code in check mode inside another module's call.

Every case of test_nvme_stripes.yaml runs again through read_ahead on the same node: in sync exactly when the module
changes nothing and does not fail, with the module's result; and on every case only reads run (the commands, the
writers patched to fail the test).
"""

import hashlib
import json
import uuid
from pathlib import Path
from unittest import mock

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.stripe import boot_side, node_runner, read_ahead, runner
from ansible_collections.acstor.edge.plugins.module_utils.stripe.node_runner import ARGUMENT_SPEC
from ansible_collections.acstor.edge.plugins.modules import nvme_stripes

from module_harness import CommandSequence, case_ids, load_cases, run_case
from stripe_node_cases import NODE_KEYS, patch_node, snapshot_for

MODULE_TEST = Path(__file__).resolve().parents[2] / "modules" / "test_nvme_stripes.py"
CASES = load_cases(str(MODULE_TEST), extra_keys=NODE_KEYS + ("stripe_results", "diff_headers"))
# what the check run may ask the node: reads only
READS = (
    ("lsblk",),
    ("wipefs", "--no-act"),
    ("pvs",),
    ("lvs",),
    ("lvm", "fullreport"),
    ("systemctl", "is-active"),
    ("systemctl", "is-enabled"),
)


class CallerModule(object):
    """The module that calls read_ahead (node_prep's): commands answered by a CommandSequence, warnings kept."""

    def __init__(self, commands=None):
        self.commands = commands or CommandSequence([])
        self.warnings = []

    def run_command(self, argv, **kwargs):
        return self.commands.run_command(self, argv, **kwargs)

    def get_bin_path(self, name, *_args, **_kwargs):
        return "/usr/bin/" + name

    def warn(self, warning):
        self.warnings.append(warning)

    def fail_json(self, **result):
        raise AssertionError("read_ahead failed its caller: %s" % result)

    def exit_json(self, **result):
        raise AssertionError("read_ahead exited its caller: %s" % result)


def _refuse(*_args, **_kwargs):
    raise AssertionError("the read-ahead reached a writer")


WRITERS = (
    (node_runner, "apply_plan"),
    (runner, "StripeExecutor"),
    (runner, "remove_files"),
    (boot_side, "write_file_atomic"),
    (boot_side, "systemctl"),
    (boot_side, "remove_files"),
)


def _read_ahead_case(case, monkeypatch):
    snapshot = snapshot_for(case)
    patch_node(monkeypatch, case, snapshot)
    for owner, name in WRITERS:
        monkeypatch.setattr(owner, name, _refuse)
    caller = CallerModule(CommandSequence(case.get("calls") or [], lambda value: snapshot.get(value["from"], "")))
    return caller, read_ahead.read_ahead(caller, case["input"])


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_in_sync_exactly_when_the_module_changes_nothing_and_only_reads_run(case, monkeypatch):
    caller, answer = _read_ahead_case(case, monkeypatch)
    expect = case.get("expect") or {}
    assert answer["in_sync"] is (not expect.get("failed") and expect.get("changed") is False), answer["reason"]
    assert answer["reason"] == "" if answer["in_sync"] else answer["reason"]
    for argv in caller.commands.seen:
        assert any(tuple(argv[: len(read)]) == read for read in READS), argv
    assert answer["args_digest"] == read_ahead.args_digest(case["input"])
    assert json.dumps(answer)


NO_OPS = [c for c in CASES if (c.get("expect") or {}).get("changed") is False and not c["expect"].get("failed")]


@pytest.mark.parametrize("case", NO_OPS, ids=case_ids(NO_OPS))
def test_in_sync_result_is_the_modules_result_without_diff(case, monkeypatch):
    _caller, answer = _read_ahead_case(case, monkeypatch)
    monkeypatch.undo()
    snapshot = snapshot_for(case)
    patch_node(monkeypatch, case, snapshot)
    result = run_case(nvme_stripes, case, resolve=lambda value: snapshot.get(value["from"], ""))
    assert answer["in_sync"], answer["reason"]
    assert answer["result"] == dict((k, v) for k, v in result.items() if k not in ("diff", "failed"))


def test_the_facade_is_in_check_mode_without_diff_and_has_no_writer():
    caller = CallerModule(CommandSequence([[["lsblk"], 0, "out", ""]]))
    facade = read_ahead.CheckModeModule(caller)
    assert facade.check_mode is True and facade._diff is False  # pylint: disable=protected-access
    assert facade.run_command(["lsblk"]) == (0, "out", "")
    assert facade.get_bin_path("wipefs") == "/usr/bin/wipefs"
    facade.warn("w")
    assert facade.warnings == ["w"] and caller.warnings == []
    with pytest.raises(read_ahead.ReadAheadFailed) as failed:
        facade.fail_json(msg="boom", changed=False)
    assert str(failed.value) == "boom" and failed.value.result == {"changed": False}
    for writer in ("exit_json", "atomic_move", "params", "tmpdir", "deprecate", "set_mode_if_different"):
        assert not hasattr(facade, writer), writer


def test_a_plan_that_changes_is_not_in_sync_and_names_the_change(monkeypatch):
    case = next(c for c in CASES if c["id"] == "check_mode_plans_every_stripe_from_one_read_and_the_boot_side")
    caller, answer = _read_ahead_case(case, monkeypatch)
    assert answer["in_sync"] is False
    assert answer["reason"].startswith("the stripes would change: stripe fast: ")
    assert answer["result"]["changed"] is True and "diff" not in answer["result"]
    assert caller.warnings == [], "the role's own call emits the warnings"


def test_warnings_reach_the_caller_only_when_in_sync(monkeypatch):
    def converge(changed):
        def run(module, _params):
            module.warn("stripe old is on this node but no longer in nvme_stripe_list")
            return {"changed": changed, "actions": ["x"] if changed else [], "results": []}

        return run

    args = {"stripes": [{"name": "fast", "devices": ["/dev/nvme0n1"]}]}
    for changed, expected in ((False, ["stripe old is on this node but no longer in nvme_stripe_list"]), (True, [])):
        monkeypatch.setattr(read_ahead, "converge_node", converge(changed))
        caller = CallerModule()
        answer = read_ahead.read_ahead(caller, args)
        assert answer["in_sync"] is not changed and caller.warnings == expected


def test_each_read_has_its_own_id(monkeypatch):
    monkeypatch.setattr(read_ahead, "converge_node", lambda _m, _p: {"changed": False})
    args = {"stripes": [{"name": "fast", "devices": ["/dev/nvme0n1"]}]}
    ids = {read_ahead.read_ahead(CallerModule(), args)["id"] for _read in range(3)}
    assert len(ids) == 3 and all(len(one) == 32 and uuid.UUID(one).hex == one for one in ids)


@pytest.mark.parametrize(
    "args, fragment",
    [
        ({}, "stripes"),
        ({"stripes": [{"name": "a", "devices": ["x"]}], "bogus": 1}, "bogus"),
        ({"stripes": [{"name": "a", "devices": ["x"], "force": "maybe"}]}, "force"),
        ({"stripes": [{"name": "a", "devices": ["x"], "selector": {"class": "local"}}]}, "devices|selector"),
        ({"stripes": [{"name": "a", "devices": ["x"]}, {"name": "a", "devices": ["y"]}]}, "stripes[1].name"),
        ({"stripes": [{"name": "a", "devices": ["x"]}], "csi_volume_group": "vg/x"}, "csi_volume_group"),
        (None, "a dict of nvme_stripes' options, not NoneType"),
    ],
    ids=["no stripes", "unknown option", "bad bool", "exclusive", "input rule", "fleet vg", "none"],
)
def test_bad_arguments_are_not_in_sync_naming_the_option_and_nothing_is_read(args, fragment):
    caller = CallerModule()  # any command would fail the test
    answer = read_ahead.read_ahead(caller, args)
    assert answer["in_sync"] is False and answer["result"] == {}
    assert answer["reason"].startswith("nvme_stripes arguments: ") and fragment in answer["reason"], answer["reason"]


def test_a_failing_check_run_is_not_in_sync_with_its_message(monkeypatch):
    case = next(c for c in CASES if c["id"] == "a_refused_stripe_stops_the_call_naming_it_before_the_next_is_planned")
    _caller, answer = _read_ahead_case(case, monkeypatch)
    assert answer["in_sync"] is False
    assert answer["reason"].startswith("the stripes' check run failed: stripe fast (stripes[0]): ")
    assert answer["result"]["failed_stripe"] == "fast"


@pytest.mark.parametrize(
    "error",
    [
        OSError("lsblk: No such file"),
        AttributeError("'CheckModeModule' object has no attribute 'tmpdir'"),
        KeyError("x"),
    ],
)
def test_any_exception_is_not_in_sync_and_never_reaches_the_caller(error, monkeypatch):
    def converge(_module, _params):
        raise error

    monkeypatch.setattr(read_ahead, "converge_node", converge)
    answer = read_ahead.read_ahead(CallerModule(), {"stripes": [{"name": "a", "devices": ["x"]}]})
    assert answer["in_sync"] is False and answer["result"] == {}
    assert answer["reason"].startswith("the stripes' read-ahead failed: %s: " % type(error).__name__)


def test_arguments_that_are_not_json_are_not_in_sync():
    answer = read_ahead.read_ahead(CallerModule(), {"stripes": [{"name": "a", "devices": [object()]}]})
    assert answer["in_sync"] is False and answer["args_digest"] == ""
    assert answer["reason"].startswith("the stripes' read-ahead failed: TypeError")


def test_a_module_exit_inside_is_not_reached(monkeypatch):
    """converge_node calling a method the facade does not offer (exit_json) fails the read-ahead, not the caller."""

    def converge(module, _params):
        module.exit_json(changed=False)

    monkeypatch.setattr(read_ahead, "converge_node", converge)
    answer = read_ahead.read_ahead(CallerModule(), {"stripes": [{"name": "a", "devices": ["x"]}]})
    assert answer["in_sync"] is False and "AttributeError" in answer["reason"]


# The options a null may stand for: those without a default (an option with one refuses null; the role passes
# null only for some of these, tests/unit/roles/test_nvme_stripe_read_ahead.py checks which).
NULLABLE = sorted(
    name for name, spec in ARGUMENT_SPEC.items() if spec.get("default") is None and not spec.get("required")
)


@pytest.mark.parametrize("option", NULLABLE)
def test_a_null_option_is_the_option_not_given(option):
    """The role passes null (never omit) for an option it leaves out: the module must read it as not given."""
    base = {"stripes": [{"name": "a", "devices": ["x"]}]}
    with_null = read_ahead.argument_errors(dict(base, **{option: None}))
    without = read_ahead.argument_errors(base)
    assert with_null == without and with_null[0] == []


def test_the_digest_is_sha256_of_the_sorted_json():
    args = {"b": [1, None, True], "a": "é\n"}
    expected = hashlib.sha256(b'{"a": "\\u00e9\\n", "b": [1, null, true]}').hexdigest()
    assert read_ahead.args_digest(args) == expected


def test_the_module_and_the_read_ahead_share_one_spec():
    assert nvme_stripes.ARGUMENT_SPEC is ARGUMENT_SPEC
    with mock.patch.object(read_ahead, "ArgumentSpecValidator", wraps=read_ahead.ArgumentSpecValidator) as validator:
        read_ahead.argument_errors({"stripes": [{"name": "a", "devices": ["x"]}]})
    validator.assert_called_once_with(ARGUMENT_SPEC)
