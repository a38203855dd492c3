"""acstor.edge.node_kernel_config on a node tree in tmp_path: check mode and diff, the one sysctl -w and modprobe -a,
a rerun that does nothing, state absent, and bad input that writes nothing."""

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.node.kernel_config import MODULES_HEADER, SYSCTL_HEADER
from ansible_collections.acstor.edge.plugins.modules import node_kernel_config

from module_harness import CommandSequence, run_module
from node_tree import (
    DROP_IN,
    FRESH_NODE,
    LOAD,
    MODULES,
    OURS,
    RAISE,
    SYSCTLS,
    WRITTEN_DROP_IN,
    converged,
    node_tree,
    read,
    write,
)


@pytest.fixture
def node(tmp_path, monkeypatch):
    return node_tree(tmp_path, monkeypatch, node_kernel_config, FRESH_NODE)


def run(args, calls=(), check_mode=False):
    commands = CommandSequence(list(calls))
    result = run_module(node_kernel_config, dict(args, _ansible_check_mode=check_mode, _ansible_diff=True), commands)
    commands.assert_all_run()
    return result


PRESENT = {"sysctls": SYSCTLS, "kernel_modules": MODULES}


def test_check_mode_shows_each_file_and_changes_nothing(node):
    result = run(PRESENT, check_mode=True)
    assert result["changed"]
    assert result["diff"] == [
        {"before_header": DROP_IN, "after_header": DROP_IN, "before": "", "after": WRITTEN_DROP_IN},
        {
            "before_header": OURS,
            "after_header": OURS,
            "before": "",
            "after": MODULES_HEADER + "dm_mod\ndm_raid\nraid0\n",
        },
    ]
    assert read(node, DROP_IN) is None and read(node, OURS) is None


def test_one_call_writes_both_files_raises_and_loads_then_a_rerun_does_nothing(node):
    result = run(PRESENT, calls=[RAISE, LOAD])
    assert result["changed"] and result["legacy_module_files"] == ["/etc/modules-load.d/md_mod.conf"]
    assert read(node, DROP_IN) == WRITTEN_DROP_IN
    assert read(node, OURS) == MODULES_HEADER + "dm_mod\ndm_raid\nraid0\n"  # md_mod.conf already lists md_mod
    converged(node)
    rerun = run(PRESENT)
    assert rerun["changed"] is False and rerun["actions"] == [] and rerun["diff"] == []


def test_a_setting_and_a_module_taken_out_leave_our_files(node):
    run(PRESENT, calls=[RAISE, LOAD])
    write(node, "/proc/sys/fs/inotify/max_user_watches", "524288\n")
    result = run(
        {"sysctls": {"fs.inotify.max_user_watches": 524288}, "kernel_modules": ["dm_mod", "dm_raid", "md_mod"]},
        calls=[[["/usr/bin/modprobe", "-a", "dm_raid", "md_mod"], 0, "", ""]],
    )
    assert result["sysctls_removed"] == ["fs.inotify.max_user_instances"] and result["modules_removed"] == ["raid0"]
    assert read(node, DROP_IN) == SYSCTL_HEADER + "fs.inotify.max_user_watches=524288\n"
    assert read(node, OURS) == MODULES_HEADER + "dm_mod\ndm_raid\n"


def test_absent_check_mode_then_removal_keeps_the_legacy_file(node):
    run(PRESENT, calls=[RAISE, LOAD])
    check = run({"state": "absent"}, check_mode=True)
    assert check["changed"] and [d["after"] for d in check["diff"]] == ["", ""]
    assert check["diff"][0]["before"] == WRITTEN_DROP_IN
    assert read(node, DROP_IN) == WRITTEN_DROP_IN
    result = run({"state": "absent", "reload_sysctl": True}, calls=[[["/usr/bin/sysctl", "--system"], 0, "", ""]])
    assert result["unlisted_legacy_module_files"] == ["/etc/modules-load.d/md_mod.conf"]
    assert read(node, DROP_IN) is None and read(node, OURS) is None
    assert read(node, "/etc/modules-load.d/md_mod.conf") == "md_mod\n"
    assert run({"state": "absent", "reload_sysctl": True})["changed"] is False


def test_absent_unloads_only_unused_modules_when_asked(node):
    write(node, OURS, MODULES_HEADER + "dm_mod\nraid0\n")
    write(node, "/proc/modules", "dm_mod 184320 3 - Live 0x0\nraid0 1 0 - Live 0x0\n")
    result = run({"state": "absent", "unload_modules": True}, calls=[[["/usr/bin/modprobe", "-r", "raid0"], 0, "", ""]])
    assert result["modules_kept_loaded"] == [{"name": "dm_mod", "reason": "in use (3 users)"}]


@pytest.mark.parametrize(
    "args,fragment",
    [
        ({"kernel_modules": ["no_such_module"]}, "kernel module no_such_module is unknown"),
        ({"sysctls": {"fs.nope": 1}}, "sysctl fs.nope does not exist"),
        ({"sysctls": {"fs.file-max": "lots"}}, "sysctls['fs.file-max']"),
        ({"sysctl_file": "/etc/sysctl.conf"}, "sysctl_file"),
        ({"modules_load_file": "/etc/modules"}, "modules_load_file"),
        ({"record_packages": ["-y"]}, "record_packages[0]"),
    ],
)
def test_bad_input_fails_before_anything_is_written(node, args, fragment):
    result = run(dict(PRESENT, **args))
    assert result["failed"] and fragment in result["msg"], result["msg"]
    assert read(node, DROP_IN) is None and read(node, OURS) is None


def test_a_failing_modprobe_names_the_modules(node):
    result = run(PRESENT, calls=[RAISE, [LOAD[0], 1, "", "modprobe: FATAL: Module raid0 not found"]])
    assert result["failed"] and "modprobe dm_raid raid0 md_mod failed (rc 1): modprobe: FATAL" in result["msg"]
