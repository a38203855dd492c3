"""acstor.edge.node_kernel_config on a node tree in tmp_path: check mode and diff, the one sysctl -w and modprobe -a,
a rerun that does nothing, state absent, and bad input that writes nothing."""

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.common import node_io
from ansible_collections.acstor.edge.plugins.module_utils.node.kernel_config import MODULES_HEADER, SYSCTL_HEADER
from ansible_collections.acstor.edge.plugins.modules import node_kernel_config

from module_harness import CommandSequence, run_module

RELEASE = "6.1.0-50-cloud-amd64"
DROP_IN = "/etc/sysctl.d/99-zz-acstor-edge.conf"
OURS = "/etc/modules-load.d/acstor-edge.conf"
SYSCTLS = {"fs.inotify.max_user_instances": 8192, "fs.inotify.max_user_watches": 524288, "fs.file-max": 100000}
MODULES = ["dm_mod", "dm_raid", "raid0", "md_mod"]
DEP = "".join(
    "kernel/drivers/md/%s.ko.xz:\n" % name.replace("_", "-") for name in ["dm-mod", "dm-raid", "raid0", "md-mod"]
)


@pytest.fixture
def node(tmp_path, monkeypatch):
    """A fresh node: inotify at the kernel's defaults, only dm_mod loaded, one legacy per-module file."""
    files = {
        "/proc/sys/fs/inotify/max_user_instances": "128\n",
        "/proc/sys/fs/inotify/max_user_watches": "8192\n",
        "/proc/sys/fs/file-max": "9223372036854775807\n",
        "/proc/modules": "dm_mod 184320 3 - Live 0x0000000000000000\n",
        "/lib/modules/%s/modules.dep" % RELEASE: DEP,
        "/lib/modules/%s/modules.builtin" % RELEASE: "",
        "/etc/modules-load.d/md_mod.conf": "md_mod\n",
    }
    for path, text in files.items():
        write(tmp_path, path, text)
    root = str(tmp_path)
    monkeypatch.setattr(node_kernel_config, "NodeFiles", lambda: node_io.NodeFiles(root))
    monkeypatch.setattr(
        node_kernel_config, "write_file_atomic", lambda path, text: node_io.write_file_atomic(root + path, text)
    )
    monkeypatch.setattr(
        node_kernel_config, "remove_files", lambda paths: node_io.remove_files([root + p for p in paths])
    )
    monkeypatch.setattr(node_kernel_config.os, "uname", lambda: ("Linux", "node", RELEASE, "#1", "x86_64"))
    return tmp_path


def write(root, path, text):
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def read(root, path):
    target = root / path.lstrip("/")
    return target.read_text() if target.exists() else None


def run(args, calls=(), check_mode=False):
    commands = CommandSequence(list(calls))
    result = run_module(node_kernel_config, dict(args, _ansible_check_mode=check_mode, _ansible_diff=True), commands)
    commands.assert_all_run()
    return result


PRESENT = {"sysctls": SYSCTLS, "kernel_modules": MODULES}
RAISE = [
    ["/usr/bin/sysctl", "-w", "fs.inotify.max_user_instances=8192", "fs.inotify.max_user_watches=524288"],
    0,
    "",
    "",
]
LOAD = [["/usr/bin/modprobe", "-a", "dm_raid", "raid0", "md_mod"], 0, "", ""]
WRITTEN_DROP_IN = SYSCTL_HEADER + "fs.inotify.max_user_instances=8192\nfs.inotify.max_user_watches=524288\n"


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
    # what sysctl -w and modprobe did on a real node
    write(node, "/proc/sys/fs/inotify/max_user_instances", "8192\n")
    write(node, "/proc/sys/fs/inotify/max_user_watches", "524288\n")
    write(node, "/proc/modules", "".join("%s 1 0 - Live 0x0\n" % name for name in MODULES))
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
