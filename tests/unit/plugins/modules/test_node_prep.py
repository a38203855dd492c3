"""acstor.edge.node_prep on a node tree in tmp_path: one call reads, plans and applies (the two commands of
node_kernel_config, nothing else), a rerun runs nothing, check mode and --diff, no write while a package is missing,
bad input that writes nothing, and the stripes read ahead only on a node it leaves as it is.

The stripe code's read_ahead belongs to the nvme_stripe side; these tests put a stand-in for it in sys.modules."""

import sys
import types
from pathlib import Path

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.node.kernel_config import MODULES_HEADER
from ansible_collections.acstor.edge.plugins.modules import node_prep
from ansible_collections.acstor.edge.plugins.plugin_utils.drift_report import describe_change

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

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "node_prep"
READ_AHEAD = "ansible_collections.acstor.edge.plugins.module_utils.stripe.read_ahead"
# Debian 12, dpkg's status file of real dpkg states (lvm2, xfsprogs, e2fsprogs installed; mdadm half-installed),
# Debian's lvm.conf, which shows auto_activation_volume_list only commented out (so lvmconfig does not run).
DEBIAN_NODE = dict(
    FRESH_NODE,
    **{
        "/etc/os-release": (FIXTURES / "debian12-os-release").read_text(),
        "/var/lib/dpkg/status": (FIXTURES / "dpkg-states-status").read_text(),
        "/etc/lvm/lvm.conf": 'activation {\n\t# auto_activation_volume_list = [ "vg1" ]\n}\n',
    },
)
BINS = ["dpkg-query", "lvmconfig", "sysctl", "modprobe"]
PRESENT = {
    "sysctls": SYSCTLS,
    "kernel_modules": MODULES,
    "packages": {"Debian": ["lvm2", "xfsprogs", "e2fsprogs"]},
    "lvm_autoactivation": True,
    "products": ["edge_volumes", "local_csi"],
}
OURS_WRITTEN = MODULES_HEADER + "dm_mod\ndm_raid\nraid0\n"  # md_mod.conf lists md_mod already


@pytest.fixture
def node(tmp_path, monkeypatch):
    return node_tree(tmp_path, monkeypatch, node_prep, DEBIAN_NODE)


@pytest.fixture
def read_ahead(monkeypatch):
    """A stand-in for stripe/read_ahead.py: records its calls, returns what the stripe role would read."""
    calls = []

    def fake_read_ahead(module, options):
        calls.append(options)
        return {"stripes": [{"name": "fast", "changed": False}]}

    monkeypatch.setitem(sys.modules, READ_AHEAD, types.SimpleNamespace(read_ahead=fake_read_ahead))
    return calls


def run(args, calls=(), check_mode=False):
    commands = CommandSequence(list(calls))
    result = run_module(node_prep, dict(args, _ansible_check_mode=check_mode, _ansible_diff=True), commands, BINS)
    commands.assert_all_run()
    return result


def test_first_converge_is_one_call_then_a_rerun_runs_nothing(node):
    result = run(PRESENT, calls=[RAISE, LOAD])
    assert result["changed"] is True
    assert result["kernel_config"]["applied"] is True
    assert result["actions"] == result["kernel_config"]["actions"]
    assert result["actions"] == [
        "write " + DROP_IN,
        "write " + OURS,
        "raise fs.inotify.max_user_instances to 8192 (live 128)",
        "raise fs.inotify.max_user_watches to 524288 (live 8192)",
        "modprobe dm_raid",
        "modprobe raid0",
        "modprobe md_mod",
    ]
    assert [d["after"] for d in result["diff"]] == [WRITTEN_DROP_IN, OURS_WRITTEN]
    assert read(node, DROP_IN) == WRITTEN_DROP_IN and read(node, OURS) == OURS_WRITTEN
    # node_prep_info's keys, as read before the change (the role's later tasks and lvm.yml read them)
    assert result["packages_query"] == "dpkg" and result["packages_missing"] == []
    assert result["packages_installed"] == {"lvm2": "2.03.16-2", "xfsprogs": "6.1.0-1", "e2fsprogs": "1.47.0-2"}
    assert result["lvmconfig_found"] is True and result["lvm_auto_activation_volume_list"] is None
    assert result["input_errors"] == [] and result["package_manager"] == "apt"
    assert result["kernel_modules_to_load"] == MODULES and len(result["sysctls_to_raise"]) == 2
    assert result["stripes_ahead"] == {}

    converged(node)
    rerun = run(PRESENT)
    assert rerun["changed"] is False and rerun["kernel_config"]["changed"] is False
    assert rerun["kernel_config"]["applied"] is True and rerun["diff"] == []


def test_check_mode_shows_the_diff_and_runs_nothing(node):
    result = run(PRESENT, check_mode=True)
    assert result["changed"] is True and result["kernel_config"]["applied"] is True
    assert [(d["before_header"], d["before"], d["after"]) for d in result["diff"]] == [
        (DROP_IN, "", WRITTEN_DROP_IN),
        (OURS, "", OURS_WRITTEN),
    ]
    assert read(node, DROP_IN) is None and read(node, OURS) is None


def test_the_drift_report_names_what_it_would_change(node):
    # drift.yml runs the role in check mode; the report says what a changed task would do from its actions
    what = describe_change(run(PRESENT, check_mode=True))
    assert "write %s" % DROP_IN in what and "raise fs.inotify.max_user_instances to 8192 (live 128)" in what


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_missing_package_leaves_the_kernel_configuration_to_the_role(node, check_mode):
    # mdadm is half-installed (its preinst failed): missing; the role installs it, then calls node_kernel_config
    result = run(dict(PRESENT, packages={"Debian": ["lvm2", "mdadm"]}), check_mode=check_mode)
    assert result["packages_missing"] == ["mdadm"]
    assert result["changed"] is False and "diff" not in result and result["actions"] == []
    assert result["kernel_config"]["applied"] is False and result["kernel_config"]["changed"] is True
    assert read(node, DROP_IN) is None and read(node, OURS) is None


def test_a_module_a_missing_package_brings_is_no_error_yet(node):
    # Ubuntu's nvme_tcp comes with linux-modules-extra: the role installs it first, node_kernel_config checks again
    write(node, "/etc/os-release", 'ID=ubuntu\nVERSION_ID="24.04"\nPRETTY_NAME="Ubuntu 24.04.1 LTS"\n')
    args = dict(PRESENT, kernel_modules=MODULES + ["nvme_tcp"])
    result = run(dict(args, packages={"Ubuntu": ["lvm2", "linux-modules-extra-{kernel_release}"]}))
    assert result["packages_missing"] == ["linux-modules-extra-6.1.0-50-cloud-amd64"]
    assert result["kernel_modules_unknown"] == ["nvme_tcp"] and result["input_errors"] == []
    assert result["changed"] is False
    # with every package installed and the module still unknown: refused as node_kernel_config would
    failed = run(dict(args, packages={"Ubuntu": ["lvm2"]}))
    assert failed["failed"] and failed["errors"] == ["kernel module nvme_tcp is unknown to kernel 6.1.0-50-cloud-amd64"]
    assert read(node, DROP_IN) is None and read(node, OURS) is None


@pytest.mark.parametrize(
    "args, errors",
    [
        # the inputs checked against the node: every one named, nothing written, nothing run
        (
            {
                "products": ["edge_volumes", "ceph"],
                "sysctls": {"fs.inotify.max_user_instances": 512, "fs.nope": 1},
                "os_facts": {
                    "distribution": "Gentoo",
                    "distribution_version": "2.15",
                    "distribution_major_version": "2",
                },
            },
            [
                "unsupported OS Gentoo 2.15 (supported: Ubuntu 22.04/24.04, Debian 12/13, Azure Linux 3, RHEL 9 family)",
                "unknown product(s) ceph in node_prep_products; choose from edge_volumes, local_csi",
                "sysctl fs.nope does not exist on this kernel",
                "fs.inotify.max_user_instances 512 is below the 1024 Edge Volumes needs",
            ],
        ),
        # the options, before the node is read
        (
            {"sysctl_file": "/etc/sysctl.conf", "kernel_modules": ["raid0\nevil"]},
            [
                "kernel_modules[0]: 'raid0\\nevil' contains a newline or another control character (rule single-line)",
                "sysctl_file: '/etc/sysctl.conf' is not a *.conf file in /etc/sysctl.d, /run/sysctl.d, "
                "/usr/local/lib/sysctl.d, /usr/lib/sysctl.d, so systemd-sysctl would not read it at boot "
                "(rule sysctl-file)",
            ],
        ),
    ],
)
def test_bad_input_fails_naming_every_input_and_changes_nothing(node, read_ahead, args, errors):
    result = run(dict(PRESENT, stripes_ahead={"stripes": []}, **args))
    assert result["failed"] and result["changed"] is False
    assert result["errors"] == errors and result["msg"] == "; ".join(errors)
    assert read(node, DROP_IN) is None and read(node, OURS) is None and read_ahead == []


def test_state_absent_only_plans_the_removal(node):
    run(PRESENT, calls=[RAISE, LOAD])
    result = run({"state": "absent"})
    assert result["changed"] is False and result["kernel_config"]["applied"] is False
    assert result["kernel_config"]["actions"] == ["remove " + DROP_IN, "remove " + OURS]
    assert read(node, DROP_IN) == WRITTEN_DROP_IN and read(node, OURS) == OURS_WRITTEN


def test_the_stripes_are_read_ahead_on_a_node_left_as_it_is(node, read_ahead):
    options = {"stripes": [{"name": "fast", "devices": ["/dev/nvme1n1"]}]}
    first = run(dict(PRESENT, stripes_ahead=options), calls=[RAISE, LOAD])
    assert first["stripes_ahead"] == {} and read_ahead == []  # this call changed the node: the role reads itself
    converged(node)
    assert run(dict(PRESENT, stripes_ahead=options), check_mode=True)["stripes_ahead"] == {
        "stripes": [{"name": "fast", "changed": False}]
    }
    assert run(PRESENT)["stripes_ahead"] == {}  # not asked
    assert read_ahead == [options]


@pytest.mark.parametrize(
    "args, files",
    [
        ({"packages": {"Debian": ["mdadm"]}}, {}),  # a package missing
        ({}, {"/etc/lvm/lvmlocal.conf": 'activation {\n\tauto_activation_volume_list = [ "vg0" ]\n}\n'}),
    ],
)
def test_no_read_ahead_when_the_role_still_has_work_or_stops(node, read_ahead, args, files):
    converged(node)
    for path, text in files.items():
        write(node, path, text)
    calls = []
    if files:  # the LVM filter named outside a comment: lvmconfig reads it, and the role's LVM check stops
        lvmconfig = ["/usr/bin/lvmconfig", "--typeconfig", "current", "activation/auto_activation_volume_list"]
        calls = [[lvmconfig, 0, 'auto_activation_volume_list=["vg0"]\n', ""]]
    result = run(dict(PRESENT, stripes_ahead={"stripes": []}, **args), calls=calls)
    assert result["stripes_ahead"] == {} and read_ahead == []
