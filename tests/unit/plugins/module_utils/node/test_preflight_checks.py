"""Table tests for the preflight rules: node facts + options -> status of each check."""

from dataclasses import replace

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.node.preflight_checks import (
    CHECK_NAMES,
    GIB,
    PreflightOptions,
    addon_models_needed,
    default_local_path_dir,
    detect_kubernetes,
    evaluate_checks,
    os_support,
    summarize,
    validate_options,
)
from ansible_collections.acstor.edge.plugins.module_utils.node.preflight_facts import NodeFacts, PathSpace

import nvme_fixtures

DIRECT = "Microsoft NVMe Direct Disk"


def good_node(**changes):
    """A node that passes every check for both products."""
    node = NodeFacts(
        kernel_release="5.15.0-1034-azure",
        architecture="x86_64",
        cpu_count=8,
        mem_total_bytes=int(15.6 * GIB),  # what a 16 GiB VM reports as MemTotal
        os_release={"ID": "ubuntu", "VERSION_ID": "22.04", "PRETTY_NAME": "Ubuntu 22.04.4 LTS"},
        hostname="edge1",
        kernel_config={"CONFIG_NFS_V4_2": "y"},
        kernel_config_source="/boot/config-5.15.0-1034-azure",
        available_modules={
            "dm_mod": True,
            "dm_raid": True,
            "raid0": True,
            "md_mod": True,
            "nfsv4": True,
            "nvme_tcp": True,
        },
        kubernetes_markers={"k3s": ["/usr/local/bin/k3s"]},
        paths=[PathSpace("/var/lib/rancher/k3s/storage", "/var/lib/rancher/k3s/storage", 200 * GIB, False)],
        nvme=[nvme_fixtures.namespace("nvme0n1", "/dev/nvme0n1", DIRECT, 400 * GIB)],
    )
    return replace(node, **changes)


def options(**changes):
    base = PreflightOptions(local_path_dir="/var/lib/rancher/k3s/storage")
    return replace(base, **changes)


def statuses(node, opts):
    return dict((result.name, result.status) for result in evaluate_checks(node, opts))


def test_good_node_passes_everything():
    results = statuses(good_node(), options())
    assert set(results.values()) == {"ok"}, results
    assert set(results) == set(CHECK_NAMES) - {"memory_fault_tolerant", "kernel_modules_fault_tolerant"}


CASES = [
    # (id, node changes, option changes, check, expected status)
    ("old kernel", dict(kernel_release="5.10.0-28-cloud-amd64"), {}, "kernel_version", "fail"),
    ("kernel 5.15 is enough", dict(kernel_release="5.15.0"), {}, "kernel_version", "ok"),
    ("kernel 6.2 known issue", dict(kernel_release="6.2.0-39-generic"), {}, "kernel_known_issues", "warn"),
    ("kernel 6.4 known issue", dict(kernel_release="6.4.16"), {}, "kernel_known_issues", "warn"),
    ("kernel 6.5 fine", dict(kernel_release="6.5.0-1025-azure"), {}, "kernel_known_issues", "ok"),
    ("garbage kernel", dict(kernel_release="weird"), {}, "kernel_version", "fail"),
    ("3 cpus", dict(cpu_count=3), {}, "cpu_count", "fail"),
    ("4 cpus", dict(cpu_count=4), {}, "cpu_count", "ok"),
    ("4 cpus fault tolerant", dict(cpu_count=4), dict(fault_tolerant=True), "cpu_count", "fail"),
    ("1 GiB", dict(mem_total_bytes=GIB), {}, "memory", "fail"),
    ("14 GiB below tolerance", dict(mem_total_bytes=14 * GIB), {}, "memory", "fail"),
    ("16 GiB fault tolerant warns", {}, dict(fault_tolerant=True), "memory_fault_tolerant", "warn"),
    ("nfs module only", dict(kernel_config={}, kernel_config_source=""), {}, "nfs_v4_2", "warn"),
    ("nfs not built", dict(kernel_config={"CONFIG_NFS_V4_2": "n"}), {}, "nfs_v4_2", "fail"),
    ("nfs absent from config", dict(kernel_config={"CONFIG_NFS_V4": "y"}), {}, "nfs_v4_2", "fail"),
    ("nfs as module", dict(kernel_config={"CONFIG_NFS_V4_2": "m"}), {}, "nfs_v4_2", "ok"),
    (
        "local-path full",
        dict(paths=[PathSpace("/var/lib/rancher/k3s/storage", "/var/lib/rancher", 2 * GIB, False)]),
        {},
        "local_path_free_space",
        "fail",
    ),
    (
        "local-path on /",
        dict(paths=[PathSpace("/var/lib/rancher/k3s/storage", "/", 80 * GIB, True)]),
        {},
        "local_path_separate_filesystem",
        "warn",
    ),
    ("local-path not measured", dict(paths=[]), {}, "local_path_free_space", "warn"),
    ("debian 11", dict(os_release={"ID": "debian", "VERSION_ID": "11"}), {}, "os_supported", "fail"),
    ("debian 13", dict(os_release={"ID": "debian", "VERSION_ID": "13"}), {}, "os_supported", "ok"),
    ("debian 14", dict(os_release={"ID": "debian", "VERSION_ID": "14"}), {}, "os_supported", "fail"),
    ("ubuntu 20.04", dict(os_release={"ID": "ubuntu", "VERSION_ID": "20.04"}), {}, "os_supported", "fail"),
    ("ubuntu 24.04", dict(os_release={"ID": "ubuntu", "VERSION_ID": "24.04"}), {}, "os_supported", "ok"),
    (
        "rocky 9.4",
        dict(os_release={"ID": "rocky", "ID_LIKE": "rhel centos fedora", "VERSION_ID": "9.4"}),
        {},
        "os_supported",
        "ok",
    ),
    ("rhel 8", dict(os_release={"ID": "rhel", "VERSION_ID": "8.9"}), {}, "os_supported", "fail"),
    ("azure linux 3", dict(os_release={"ID": "azurelinux", "VERSION_ID": "3.0"}), {}, "os_supported", "ok"),
    ("mariner 2", dict(os_release={"ID": "mariner", "VERSION_ID": "2.0"}), {}, "os_supported", "fail"),
    ("no kubernetes warns", dict(kubernetes_markers={}), {}, "kubernetes_distribution", "warn"),
    (
        "no kubernetes fails when required",
        dict(kubernetes_markers={}),
        dict(kubernetes_required=True),
        "kubernetes_distribution",
        "fail",
    ),
    (
        "microk8s kubelet root",
        dict(kubernetes_markers={"microk8s": ["/snap/bin/microk8s"]}),
        {},
        "kubelet_root_dir",
        "fail",
    ),
    ("k0s kubelet root", dict(kubernetes_markers={"k0s": ["/var/lib/k0s"]}), {}, "kubelet_root_dir", "fail"),
    ("rke2 kubelet root", dict(kubernetes_markers={"rke2": ["/etc/rancher/rke2"]}), {}, "kubelet_root_dir", "ok"),
    ("custom --root-dir", dict(kubelet_root_dir_from_process="/data/kubelet"), {}, "kubelet_root_dir", "fail"),
    ("unknown kubelet root", dict(kubernetes_markers={}), {}, "kubelet_root_dir", "warn"),
    ("s390x", dict(architecture="s390x"), {}, "architecture", "fail"),
    ("arm64", dict(architecture="aarch64"), {}, "architecture", "ok"),
    (
        "dm_raid missing",
        dict(available_modules={"dm_mod": True, "raid0": True, "md_mod": True}),
        {},
        "kernel_modules",
        "fail",
    ),
    (
        "nvme_tcp missing",
        dict(available_modules={"nvfsv4": True}),
        dict(fault_tolerant=True),
        "kernel_modules_fault_tolerant",
        "fail",
    ),
    ("no nvme", dict(nvme=[]), {}, "nvme_disks", "fail"),
    (
        "nvme not listed",
        dict(nvme=[], nvme_errors=["lsblk failed: lsblk not found on the node"]),
        {},
        "nvme_disks",
        "warn",
    ),
    (
        "only other models",
        dict(nvme=[nvme_fixtures.namespace("nvme0n1", "/dev/nvme0n1", "QEMU NVMe Ctrl", GIB)]),
        {},
        "nvme_disks",
        "fail",
    ),
    (
        "other model listed as add-on",
        dict(nvme=[nvme_fixtures.namespace("nvme0n1", "/dev/nvme0n1", "QEMU NVMe Ctrl", GIB)]),
        dict(addon_models=["  qemu nvme ctrl "]),
        "nvme_disks",
        "ok",
    ),
    (
        "model is exact, not substring",
        dict(nvme=[nvme_fixtures.namespace("nvme0n1", "/dev/nvme0n1", "Microsoft NVMe Direct Disk v3", GIB)]),
        {},
        "nvme_disks",
        "fail",
    ),
    (
        "formatted disk",
        dict(nvme=[nvme_fixtures.namespace("nvme0n1", "/dev/nvme0n1", DIRECT, GIB, signature="ext4")]),
        {},
        "nvme_disks",
        "fail",
    ),
    (
        "partition table",
        dict(nvme=[nvme_fixtures.namespace("nvme0n1", "/dev/nvme0n1", DIRECT, GIB, signature="gpt")]),
        {},
        "nvme_disks",
        "fail",
    ),
    (
        "existing PV",
        dict(nvme=[nvme_fixtures.namespace("nvme0n1", "/dev/nvme0n1", DIRECT, GIB, signature="LVM2_member")]),
        {},
        "nvme_disks",
        "ok",
    ),
    (
        "md member",
        dict(
            nvme=[
                nvme_fixtures.namespace(
                    "nvme0n1", "/dev/nvme0n1", DIRECT, GIB, holders=["md127"], signature="linux_raid_member"
                )
            ]
        ),
        {},
        "nvme_disks",
        "fail",
    ),
    (
        "pre-created VG",
        dict(
            nvme=[nvme_fixtures.namespace("nvme0n1", "/dev/nvme0n1", DIRECT, GIB, holders=["md127"])],
            lvm_volume_groups=["containerstorage"],
        ),
        {},
        "nvme_disks",
        "ok",
    ),
    (
        "blkid unavailable",
        dict(nvme=[nvme_fixtures.namespace("nvme0n1", "/dev/nvme0n1", DIRECT, GIB, signature_known=False)]),
        {},
        "nvme_disks",
        "warn",
    ),
    ("skipped check", dict(mem_total_bytes=GIB), dict(skip_checks=["memory"]), "memory", "skip"),
]


@pytest.mark.parametrize(
    "node_changes,option_changes,check,expected", [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_check_table(node_changes, option_changes, check, expected):
    results = statuses(good_node(**node_changes), options(**option_changes))
    assert results[check] == expected


def test_products_select_checks():
    local_only = statuses(good_node(), options(products=["local_csi"]))
    assert "memory" not in local_only and "nvme_disks" in local_only
    edge_only = statuses(good_node(), options(products=["edge_volumes"]))
    assert "nvme_disks" not in edge_only and "kubelet_root_dir" not in edge_only and "memory" in edge_only


def test_failures_are_all_listed_once():
    node = good_node(mem_total_bytes=GIB, cpu_count=2, nvme=[])
    results = evaluate_checks(node, options())
    counts, failures, lines = summarize(results, strict=True)
    assert counts["fail"] == 3 and len(failures) == 3
    assert [line.split(":")[0] for line in failures] == ["cpu_count", "memory", "nvme_disks"]
    assert lines[-1].startswith("%d ok, 0 warn, 3 fail" % (len(results) - 3))
    assert len(lines) == len(results) + 1


def test_every_check_carries_measured_required_and_source():
    for result in evaluate_checks(good_node(cpu_count=1), options(fault_tolerant=True)):
        assert result.measured and result.required and result.source, result
        assert result.status in ("ok", "warn", "fail", "skip")
        assert result.status == "ok" or result.message


def test_addon_models_needed_lists_skipped_free_models():
    node = good_node(
        nvme=[
            nvme_fixtures.namespace("nvme0n1", "/dev/nvme0n1", DIRECT, GIB),
            nvme_fixtures.namespace("nvme1n1", "/dev/nvme1n1", "QEMU NVMe Ctrl", GIB),
            nvme_fixtures.namespace("nvme2n1", "/dev/nvme2n1", "Dell NVMe", GIB, partitions=["nvme2n1p1"]),
        ]
    )
    assert addon_models_needed(node, options()) == ["QEMU NVMe Ctrl"]


@pytest.mark.parametrize(
    "changes,fragment",
    [
        (dict(products=["edge_volumes", "ceph"]), "unknown product(s) ceph"),
        (dict(products=[]), "no product selected"),
        (dict(kernel_min="five"), "kernel_min 'five'"),
        (dict(kernel_known_issues=["x"]), "kernel_known_issues entry 'x'"),
        (dict(skip_checks=["memroy"]), "unknown check(s) memroy"),
        (dict(kubernetes_distribution="openshift"), "'openshift' is not one of"),
    ],
)
def test_validate_options_names_the_bad_value(changes, fragment):
    errors = validate_options(options(**changes))
    assert any(fragment in error for error in errors), errors


def test_validate_options_accepts_defaults():
    assert validate_options(options(skip_checks=["memory", "free_space:/data"])) == []


def test_detect_kubernetes_aks_edge_essentials_and_override():
    node = good_node(os_release={"ID": "mariner", "VERSION_ID": "2.0"}, hostname="box-ledge", kubernetes_markers={})
    assert detect_kubernetes(node)[0] == "aks_edge_essentials"
    assert detect_kubernetes(good_node(), "kubeadm")[:1] == ("kubeadm",)
    assert detect_kubernetes(good_node(kubernetes_markers={}))[0] == "none"


def test_default_local_path_dir_follows_distribution():
    assert default_local_path_dir(good_node(), options(local_path_dir="")) == "/var/lib/rancher/k3s/storage"
    assert (
        default_local_path_dir(good_node(kubernetes_markers={}), options(local_path_dir=""))
        == "/opt/local-path-provisioner"
    )
    assert default_local_path_dir(good_node(), options(local_path_dir="/data/lp")) == "/data/lp"


def test_os_support_descriptions():
    assert os_support({"ID": "debian", "VERSION_ID": "12"}) == (True, "debian 12")
    assert os_support({}) == (False, "unknown ?")


def test_memory_checks_report_threshold_source_and_message():
    by_name = dict(
        (result.name, result.as_dict())
        for result in evaluate_checks(good_node(mem_total_bytes=14 * GIB), options(fault_tolerant=True))
    )
    memory, recommended = by_name["memory"], by_name["memory_fault_tolerant"]
    assert (memory["status"], memory["measured"], memory["required"]) == (
        "fail",
        "14.0 GiB",
        ">= 16 GiB (MemTotal >= 14.4 GiB accepted)",
    )
    assert memory["message"] == "14.0 GiB of memory, Edge Volumes needs 16 GiB"
    assert (recommended["status"], recommended["required"]) == ("warn", ">= 32 GiB recommended")
    assert recommended["message"] == "multi-node clusters are recommended 32 GiB per node"
    assert memory["source"] != recommended["source"]
    assert memory["products"] == recommended["products"] == ["edge_volumes"]


@pytest.mark.parametrize("mem_gib, status", [(28.7, "warn"), (28.9, "ok")])
def test_fault_tolerant_memory_accepts_the_same_tolerance(mem_gib, status):
    results = statuses(good_node(mem_total_bytes=int(mem_gib * GIB)), options(fault_tolerant=True))
    assert results["memory_fault_tolerant"] == status


def nvme_result(node):
    return [result for result in evaluate_checks(node, options()) if result.name == "nvme_disks"][0]


QEMU = nvme_fixtures.namespace("nvme0n1", "/dev/nvme0n1", "QEMU NVMe Ctrl", GIB)
UNREAD = nvme_fixtures.namespace("nvme0n1", "/dev/nvme0n1", DIRECT, GIB, signature_known=False)
FORMATTED = nvme_fixtures.namespace("nvme0n1", "/dev/nvme0n1", DIRECT, GIB, signature="ext4")


@pytest.mark.parametrize(
    "changes, status, measured, message",
    [
        (dict(), "ok", "1 eligible, 0 free with other models, 0 in use, of 1 NVMe", ""),
        (
            dict(nvme=[UNREAD]),
            "warn",
            "1 eligible, 0 free with other models, 0 in use, of 1 NVMe",
            "wipefs could not check nvme0n1 for signatures",
        ),
        (
            dict(nvme=[QEMU]),
            "fail",
            "0 eligible, 1 free with other models, 0 in use, of 1 NVMe",
            "add 'QEMU NVMe Ctrl' to preflight_local_csi_addon_models and the driver's diskSelection.addonModels",
        ),
        (
            dict(nvme=[FORMATTED]),
            "fail",
            "0 eligible, 0 free with other models, 1 in use, of 1 NVMe",
            "no free NVMe namespace for the local CSI driver",
        ),
        (
            dict(nvme=[], nvme_errors=["lsblk failed"]),
            "warn",
            "not measured",
            "could not list the NVMe namespaces: lsblk failed",
        ),
    ],
    ids=["eligible", "signatures unread", "needs add-on model", "all in use", "not listed"],
)
def test_nvme_disks_result(changes, status, measured, message):
    result = nvme_result(good_node(**changes))
    assert (result.status, result.measured, result.message) == (status, measured, message)
    assert result.required == ">= 1 free NVMe with a model the driver takes"
    assert result.products == ["local_csi"]
