# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Preflight checks for Edge Volumes and the local CSI driver: a pure function of the node facts.

``evaluate_checks(facts, options)`` returns one ``CheckResult`` per check that applies to the
selected products. Nothing here reads the system, so every rule is tested as a table.
"""

from dataclasses import asdict, dataclass, field
from typing import List

from ansible_collections.acstor.edge.plugins.module_utils.local_csi import contract
from ansible_collections.acstor.edge.plugins.module_utils.node.preflight_facts import (
    DEFAULT_KUBELET_ROOT,
    KUBERNETES_DISTRIBUTIONS,
    KUBERNETES_MARKERS,
    namespace_busy,
    parse_kernel_version,
)

PRODUCTS = ("edge_volumes", "local_csi")
STATUSES = ("ok", "warn", "fail", "skip")
GIB = 1 << 30

SOURCE_EV_PREREQS = "learn.microsoft.com azure-arc/container-storage/howto-prepare-linux-edge-volumes (prerequisites)"
SOURCE_EV_DISK = "learn.microsoft.com azure-arc/container-storage/reference-filesystem-out-of-space"
SOURCE_EV_MULTINODE = "howto-prepare-linux-edge-volumes before 2026-02-05 (multi-node / fault tolerant column)"
SOURCE_CSI_PROBE = "Azure/local-csi-driver v0.3.0 internal/pkg/probe/filter.go"
SOURCE_CSI_RAID = "Azure/local-csi-driver v0.3.0 internal/pkg/raid/raid.go (modprobe dm-raid, raid0 on the host)"
SOURCE_CSI_CHART = "Azure/local-csi-driver v0.3.0 charts/latest/templates (hostPath /var/lib/kubelet)"
SOURCE_CSI_AFFINITY = "Azure/local-csi-driver v0.3.0 charts/latest/templates/_helpers.tpl (amd64/arm64 affinity)"
SOURCE_CSI_LVM = "Azure/local-csi-driver v0.3.0 internal/csi/core/lvm/lvm.go (an existing VG is used as-is)"
SOURCE_COLLECTION = "acstor.edge support matrix"

CSI_KERNEL_MODULES = contract.KERNEL_MODULES
FAULT_TOLERANT_KERNEL_MODULES = ("nvme_tcp",)
CSI_ARCHITECTURES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}

# The operating systems the collection supports: os-release ID → accepted VERSION_ID major/minor.
SUPPORTED_OS = {
    "ubuntu": ("22.04", "24.04"),
    "debian": ("12", "13"),
    "azurelinux": ("3",),
}
RHEL_FAMILY_IDS = ("rhel", "rocky", "almalinux", "centos", "ol", "oracle", "circle")
RHEL_MAJOR = "9"

CHECK_NAMES = (
    "os_supported",
    "kernel_version",
    "kernel_known_issues",
    "nfs_v4_2",
    "cpu_count",
    "memory",
    "memory_fault_tolerant",
    "local_path_free_space",
    "local_path_separate_filesystem",
    "kernel_modules_fault_tolerant",
    "kubernetes_distribution",
    "kubelet_root_dir",
    "architecture",
    "kernel_modules",
    "nvme_disks",
)

# MemTotal excludes memory the firmware and kernel keep, so a 16 GiB machine reports about
# 15.5 GiB; accept 90 % of the documented size rather than fail every machine of exactly that size.
MEMORY_TOLERANCE = 0.9


@dataclass
class CheckResult:
    name: str
    status: str
    measured: str
    required: str
    source: str
    products: List[str] = field(default_factory=list)
    message: str = ""

    def as_dict(self):
        return asdict(self)


@dataclass
class FreeSpaceRequirement:
    path: str
    min_free_gib: float


@dataclass
class PreflightOptions:
    products: List[str] = field(default_factory=lambda: list(PRODUCTS))
    fault_tolerant: bool = False
    kernel_min: str = "5.15"
    kernel_known_issues: List[str] = field(default_factory=lambda: ["6.2", "6.4"])
    cpu_min: int = 4
    cpu_min_fault_tolerant: int = 8
    memory_min_gib: float = 16
    memory_recommended_fault_tolerant_gib: float = 32
    local_path_dir: str = ""
    local_path_min_free_gib: float = 10
    free_space: List[FreeSpaceRequirement] = field(default_factory=list)
    kubernetes_distribution: str = "auto"
    kubernetes_required: bool = False
    addon_models: List[str] = field(default_factory=list)
    csi_volume_group: str = contract.VOLUME_GROUP
    skip_checks: List[str] = field(default_factory=list)


def validate_options(options):
    """Return a list of error strings naming each bad option value (empty when all are good)."""
    errors = []
    unknown = [product for product in options.products if product not in PRODUCTS]
    if unknown:
        errors.append("unknown product(s) %s; expected some of %s" % (", ".join(unknown), ", ".join(PRODUCTS)))
    if not options.products:
        errors.append("no product selected; expected some of %s" % ", ".join(PRODUCTS))
    if parse_kernel_version(options.kernel_min) is None:
        errors.append("kernel_min %r is not a kernel version such as 5.15" % options.kernel_min)
    for version in options.kernel_known_issues:
        if parse_kernel_version(version) is None:
            errors.append("kernel_known_issues entry %r is not a kernel version such as 6.2" % version)
    unknown_checks = unknown_check_names(options.skip_checks)
    if unknown_checks:
        errors.append(
            "skip_checks names unknown check(s) %s; known: %s" % (", ".join(unknown_checks), ", ".join(CHECK_NAMES))
        )
    if options.kubernetes_distribution not in ("auto", "none") + KUBERNETES_DISTRIBUTIONS:
        errors.append(
            "kubernetes_distribution %r is not one of auto, none, %s"
            % (options.kubernetes_distribution, ", ".join(KUBERNETES_DISTRIBUTIONS))
        )
    return errors


def _gib(value):
    return "%.1f GiB" % (value / float(GIB))


def _version_text(version):
    return "%d.%d" % version[:2]


def os_support(os_release):
    """(supported, description) for an /etc/os-release dict."""
    os_id = os_release.get("ID", "").lower()
    version = os_release.get("VERSION_ID", "")
    like = os_release.get("ID_LIKE", "").lower().split()
    description = "%s %s" % (os_id or "unknown", version or "?")
    if os_id in SUPPORTED_OS:
        accepted = SUPPORTED_OS[os_id]
        return any(version == item or version.split(".")[0] == item for item in accepted), description
    if os_id in RHEL_FAMILY_IDS or "rhel" in like:
        return version.split(".")[0] == RHEL_MAJOR, description
    return False, description


def detect_kubernetes(facts, override="auto"):
    """(distribution or 'none', evidence list, kubelet root dir or '')."""
    roots = dict((name, root) for name, _markers, root in KUBERNETES_MARKERS)
    roots["aks_edge_essentials"] = DEFAULT_KUBELET_ROOT
    if override != "auto":
        distribution, evidence = override, ["set by preflight_kubernetes_distribution"]
    else:
        distribution, evidence = "none", []
        os_id = facts.os_release.get("ID", "").lower()
        # The AKS Edge Essentials Linux node is a CBL-Mariner/Azure Linux VM named <host>-ledge.
        if os_id in ("mariner", "azurelinux") and facts.hostname.endswith("-ledge"):
            distribution, evidence = "aks_edge_essentials", ["hostname %s, os %s" % (facts.hostname, os_id)]
        else:
            for name, _markers, _root in KUBERNETES_MARKERS:
                if name in facts.kubernetes_markers:
                    distribution, evidence = name, list(facts.kubernetes_markers[name])
                    break
    if distribution == "none":
        return distribution, evidence, ""
    kubelet_root = facts.kubelet_root_dir_from_process or roots.get(distribution, DEFAULT_KUBELET_ROOT)
    if facts.kubelet_root_dir_from_process:
        evidence.append("running kubelet --root-dir=%s" % facts.kubelet_root_dir_from_process)
    return distribution, evidence, kubelet_root


def classify_nvme(facts, addon_models):
    """Split NVMe namespaces the way the local CSI driver's probe would.

    Returns (eligible, needs_addon_model, in_use): lists of nvme/inventory namespaces. A namespace
    is free when it has no partition, holder, mount or signature other than an LVM2 PV.
    """
    extra_models = set(model.strip().lower() for model in addon_models)
    eligible, needs_addon, in_use = [], [], []
    for namespace in facts.nvme:
        model = namespace.model.strip().lower()
        if namespace_busy(namespace):
            in_use.append(namespace)
        elif contract.is_builtin_model(namespace.model) or model in extra_models:
            eligible.append(namespace)
        else:
            needs_addon.append(namespace)
    return eligible, needs_addon, in_use


def _check_os(facts, options, products):
    supported, description = os_support(facts.os_release)
    pretty = facts.os_release.get("PRETTY_NAME", description)
    return CheckResult(
        "os_supported",
        "ok" if supported else "fail",
        pretty,
        "Ubuntu 22.04/24.04, Debian 12/13, Azure Linux 3, RHEL 9",
        SOURCE_COLLECTION,
        products,
        "" if supported else "%s is not an operating system acstor.edge supports" % description,
    )


def _check_kernel(facts, options):
    version = parse_kernel_version(facts.kernel_release)
    minimum = parse_kernel_version(options.kernel_min)
    results = []
    if version is None:
        results.append(
            CheckResult(
                "kernel_version",
                "fail",
                facts.kernel_release or "unknown",
                ">= " + options.kernel_min,
                SOURCE_EV_PREREQS,
                ["edge_volumes"],
                "kernel release could not be parsed",
            )
        )
        return results
    good = version >= minimum
    results.append(
        CheckResult(
            "kernel_version",
            "ok" if good else "fail",
            facts.kernel_release,
            ">= " + options.kernel_min,
            SOURCE_EV_PREREQS,
            ["edge_volumes"],
            "" if good else "kernel %s is older than the minimum %s" % (_version_text(version), options.kernel_min),
        )
    )
    flagged = [item for item in options.kernel_known_issues if parse_kernel_version(item)[:2] == version[:2]]
    results.append(
        CheckResult(
            "kernel_known_issues",
            "warn" if flagged else "ok",
            _version_text(version),
            "not " + " or ".join(options.kernel_known_issues),
            SOURCE_EV_PREREQS,
            ["edge_volumes"],
            "the docs list known issues with kernel %s" % flagged[0] if flagged else "",
        )
    )
    return results


def _check_nfs(facts):
    value = facts.kernel_config.get("CONFIG_NFS_V4_2")
    if value in ("y", "m"):
        status, measured, message = "ok", "CONFIG_NFS_V4_2=%s (%s)" % (value, facts.kernel_config_source), ""
    elif value == "n" or (facts.kernel_config and value is None):
        status, measured = "fail", "CONFIG_NFS_V4_2 not set (%s)" % facts.kernel_config_source
        message = "the kernel is built without NFSv4.2 support"
    elif facts.available_modules.get("nfsv4"):
        status, measured = "warn", "kernel config not readable; nfsv4 module present"
        message = "NFSv4.2 support could not be confirmed from the kernel config"
    else:
        status, measured = "warn", "kernel config not readable; no nfsv4 module found"
        message = "NFSv4.2 support could not be confirmed"
    return CheckResult(
        "nfs_v4_2", status, measured, "CONFIG_NFS_V4_2=y or m", SOURCE_EV_PREREQS, ["edge_volumes"], message
    )


def _memory_check(facts, name, min_gib, below, source, required, message):
    """MemTotal against `min_gib` GiB with MEMORY_TOLERANCE: status ok, else `below` (fail or warn) with `message`."""
    good = facts.mem_total_bytes >= min_gib * GIB * MEMORY_TOLERANCE
    return CheckResult(
        name,
        "ok" if good else below,
        _gib(facts.mem_total_bytes),
        required,
        source,
        ["edge_volumes"],
        "" if good else message,
    )


def _check_cpu_memory(facts, options):
    results = []
    cpu_min = options.cpu_min_fault_tolerant if options.fault_tolerant else options.cpu_min
    source = SOURCE_EV_MULTINODE if options.fault_tolerant else SOURCE_EV_PREREQS
    good = facts.cpu_count >= cpu_min
    results.append(
        CheckResult(
            "cpu_count",
            "ok" if good else "fail",
            str(facts.cpu_count),
            ">= %d" % cpu_min,
            source,
            ["edge_volumes"],
            "" if good else "%d CPUs, Edge Volumes needs %d" % (facts.cpu_count, cpu_min),
        )
    )
    results.append(
        _memory_check(
            facts,
            "memory",
            options.memory_min_gib,
            "fail",
            SOURCE_EV_PREREQS,
            ">= %g GiB (MemTotal >= %s accepted)"
            % (options.memory_min_gib, _gib(options.memory_min_gib * GIB * MEMORY_TOLERANCE)),
            "%s of memory, Edge Volumes needs %g GiB" % (_gib(facts.mem_total_bytes), options.memory_min_gib),
        )
    )
    if options.fault_tolerant:
        recommended_gib = options.memory_recommended_fault_tolerant_gib
        results.append(
            _memory_check(
                facts,
                "memory_fault_tolerant",
                recommended_gib,
                "warn",
                SOURCE_EV_MULTINODE,
                ">= %g GiB recommended" % recommended_gib,
                "multi-node clusters are recommended %g GiB per node" % recommended_gib,
            )
        )
    return results


def _path_check(name, space, min_free_gib, source, products):
    required = min_free_gib * GIB
    good = space.free_bytes >= required
    where = (
        space.path
        if space.existing_ancestor == space.path
        else "%s (measured on %s)" % (space.path, space.existing_ancestor)
    )
    return CheckResult(
        name,
        "ok" if good else "fail",
        "%s free at %s" % (_gib(space.free_bytes), where),
        ">= %g GiB free" % min_free_gib,
        source,
        products,
        "" if good else "only %s free for %s" % (_gib(space.free_bytes), space.path),
    )


def _check_local_path(facts, options, spaces):
    space = spaces.get(options.local_path_dir)
    if space is None:
        return [
            CheckResult(
                "local_path_free_space",
                "warn",
                "not measured",
                ">= %g GiB free" % options.local_path_min_free_gib,
                SOURCE_EV_DISK,
                ["edge_volumes"],
                "%s was not measured" % options.local_path_dir,
            )
        ]
    results = [
        _path_check("local_path_free_space", space, options.local_path_min_free_gib, SOURCE_EV_DISK, ["edge_volumes"])
    ]
    results.append(
        CheckResult(
            "local_path_separate_filesystem",
            "warn" if space.same_filesystem_as_root else "ok",
            "%s on %s filesystem" % (space.path, "the OS (/)" if space.same_filesystem_as_root else "its own"),
            "a filesystem separate from /",
            SOURCE_EV_DISK,
            ["edge_volumes"],
            "local-path volumes share the OS filesystem: when they fill it, the whole node can become unresponsive"
            if space.same_filesystem_as_root
            else "",
        )
    )
    return results


def _check_kubernetes(facts, options, products):
    distribution, evidence, kubelet_root = detect_kubernetes(facts, options.kubernetes_distribution)
    results = []
    if distribution == "none":
        status = "fail" if options.kubernetes_required else "warn"
        results.append(
            CheckResult(
                "kubernetes_distribution",
                status,
                "none detected",
                "one of " + ", ".join(KUBERNETES_DISTRIBUTIONS),
                SOURCE_COLLECTION,
                products,
                "no Kubernetes found on the node (install it before the CSI driver or extension)",
            )
        )
    else:
        results.append(
            CheckResult(
                "kubernetes_distribution",
                "ok",
                "%s (%s)" % (distribution, "; ".join(evidence)),
                "one of " + ", ".join(KUBERNETES_DISTRIBUTIONS),
                SOURCE_COLLECTION,
                products,
            )
        )
    if "local_csi" in products:
        if distribution == "none":
            results.append(
                CheckResult(
                    "kubelet_root_dir",
                    "warn",
                    "unknown (no Kubernetes)",
                    DEFAULT_KUBELET_ROOT,
                    SOURCE_CSI_CHART,
                    ["local_csi"],
                    "kubelet root directory not known yet",
                )
            )
        else:
            good = kubelet_root.rstrip("/") == DEFAULT_KUBELET_ROOT
            results.append(
                CheckResult(
                    "kubelet_root_dir",
                    "ok" if good else "fail",
                    kubelet_root,
                    DEFAULT_KUBELET_ROOT,
                    SOURCE_CSI_CHART,
                    ["local_csi"],
                    ""
                    if good
                    else "%s keeps kubelet state in %s; the local CSI driver chart hard-codes %s"
                    % (distribution, kubelet_root, DEFAULT_KUBELET_ROOT),
                )
            )
    return results


def _check_modules(facts, names, name, products, source, missing_status="fail"):
    missing = [module for module in names if not facts.available_modules.get(module)]
    return CheckResult(
        name,
        missing_status if missing else "ok",
        "missing: " + ", ".join(missing) if missing else "all available",
        ", ".join(names),
        source,
        products,
        "kernel module(s) %s not found for kernel %s" % (", ".join(missing), facts.kernel_release) if missing else "",
    )


def _check_nvme(facts, options):
    if options.csi_volume_group in facts.lvm_volume_groups:
        return CheckResult(
            "nvme_disks",
            "ok",
            "volume group %s exists" % options.csi_volume_group,
            ">= 1 free NVMe the driver takes, or a pre-created volume group",
            SOURCE_CSI_LVM,
            ["local_csi"],
        )
    required = ">= 1 free NVMe with a model the driver takes"
    if not facts.nvme and facts.nvme_errors:
        return CheckResult(
            "nvme_disks",
            "warn",
            "not measured",
            required,
            SOURCE_CSI_PROBE,
            ["local_csi"],
            "could not list the NVMe namespaces: %s" % "; ".join(facts.nvme_errors),
        )
    eligible, needs_addon, in_use = classify_nvme(facts, options.addon_models)
    measured = "%d eligible, %d free with other models, %d in use, of %d NVMe" % (
        len(eligible),
        len(needs_addon),
        len(in_use),
        len(facts.nvme),
    )
    status, message = _nvme_verdict(eligible, needs_addon)
    return CheckResult("nvme_disks", status, measured, required, SOURCE_CSI_PROBE, ["local_csi"], message)


def _nvme_verdict(eligible, needs_addon):
    """(status, message) of nvme_disks from the free namespaces the driver takes and those it needs a model for."""
    if eligible:
        unknown = [namespace.name for namespace in eligible if not namespace.signatures_read]
        if len(unknown) == len(eligible):
            return "warn", "wipefs could not check %s for signatures" % ", ".join(unknown)
        return "ok", ""
    if needs_addon:
        models = sorted(set(namespace.model for namespace in needs_addon))
        return (
            "fail",
            "add %s to preflight_local_csi_addon_models and the driver's diskSelection.addonModels"
            % ", ".join(repr(model) for model in models),
        )
    return "fail", "no free NVMe namespace for the local CSI driver"


def addon_models_needed(facts, options):
    _eligible, needs_addon, _in_use = classify_nvme(facts, options.addon_models)
    return sorted(set(namespace.model for namespace in needs_addon))


def evaluate_checks(facts, options):
    """Every check that applies to ``options.products``, in a stable order."""
    products = [product for product in PRODUCTS if product in options.products]
    edge, csi = "edge_volumes" in products, "local_csi" in products
    spaces = dict((space.path, space) for space in facts.paths)
    results = [_check_os(facts, options, products)]
    if edge:
        results.extend(_check_kernel(facts, options))
        results.append(_check_nfs(facts))
        results.extend(_check_cpu_memory(facts, options))
        results.extend(_check_local_path(facts, options, spaces))
        if options.fault_tolerant:
            results.append(
                _check_modules(
                    facts,
                    FAULT_TOLERANT_KERNEL_MODULES,
                    "kernel_modules_fault_tolerant",
                    ["edge_volumes"],
                    SOURCE_EV_MULTINODE,
                )
            )
    for requirement in options.free_space:
        space = spaces.get(requirement.path)
        if space is not None:
            results.append(
                _path_check(
                    "free_space:%s" % requirement.path,
                    space,
                    requirement.min_free_gib,
                    "preflight_free_space",
                    products,
                )
            )
    results.extend(_check_kubernetes(facts, options, products))
    if csi:
        arch = CSI_ARCHITECTURES.get(facts.architecture)
        results.append(
            CheckResult(
                "architecture",
                "ok" if arch else "fail",
                facts.architecture,
                "amd64 or arm64",
                SOURCE_CSI_AFFINITY,
                ["local_csi"],
                "" if arch else "the driver only schedules on amd64 and arm64 nodes",
            )
        )
        results.append(_check_modules(facts, CSI_KERNEL_MODULES, "kernel_modules", ["local_csi"], SOURCE_CSI_RAID))
        results.append(_check_nvme(facts, options))
    for result in results:
        if result.name in options.skip_checks:
            result.status, result.message = "skip", "skipped by preflight_skip_checks (was %s)" % result.status
    return results


def summarize(results, strict=True):
    """Counts, the failures that should stop the play, and a one-screen table."""
    counts = dict((status, 0) for status in STATUSES)
    for result in results:
        counts[result.status] += 1
    failures = [
        "%s: %s (measured %s, required %s)" % (r.name, r.message or "failed", r.measured, r.required)
        for r in results
        if r.status == "fail"
    ]
    width = max([len(r.name) for r in results] + [5])
    lines = [
        "%-4s %-*s %s (need %s)%s"
        % (r.status.upper(), width, r.name, r.measured, r.required, " - " + r.message if r.message else "")
        for r in results
    ]
    lines.append(
        "%d ok, %d warn, %d fail, %d skipped (%s)"
        % (counts["ok"], counts["warn"], counts["fail"], counts["skip"], "strict" if strict else "lenient")
    )
    return counts, failures, lines


def options_from_params(params):
    """Build PreflightOptions from the module's parameter dict."""
    free_space = [
        FreeSpaceRequirement(item["path"], float(item["min_free_gib"])) for item in params.get("free_space") or []
    ]
    return PreflightOptions(
        products=list(params["products"]),
        fault_tolerant=params["fault_tolerant"],
        kernel_min=params["kernel_min"],
        kernel_known_issues=list(params["kernel_known_issues"]),
        cpu_min=params["cpu_min"],
        memory_min_gib=params["memory_min_gib"],
        local_path_dir=params["local_path_dir"] or "",
        local_path_min_free_gib=params["local_path_min_free_gib"],
        free_space=free_space,
        kubernetes_distribution=params["kubernetes_distribution"],
        kubernetes_required=params["kubernetes_required"],
        addon_models=list(params["addon_models"]),
        csi_volume_group=params["csi_volume_group"],
        skip_checks=list(params["skip_checks"]),
    )


def default_local_path_dir(facts, options):
    """Where rancher local-path-provisioner keeps volumes on this node."""
    if options.local_path_dir:
        return options.local_path_dir
    distribution, _evidence, _root = detect_kubernetes(facts, options.kubernetes_distribution)
    # k3s bundles local-path-provisioner with this path (reference-filesystem-out-of-space).
    if distribution == "k3s":
        return "/var/lib/rancher/k3s/storage"
    # Default nodePathMap of upstream rancher local-path-provisioner (used by the AKS Edge sample).
    return "/opt/local-path-provisioner"


def result_dicts(results):
    return [result.as_dict() for result in results]


def required_modules(options):
    modules = []
    if "local_csi" in options.products:
        modules.extend(CSI_KERNEL_MODULES)
    if "edge_volumes" in options.products:
        modules.append("nfsv4")
        if options.fault_tolerant:
            modules.extend(FAULT_TOLERANT_KERNEL_MODULES)
    return modules


def unknown_check_names(names):
    """Names in skip_checks that match no check (a typo would silently skip nothing)."""
    return [name for name in names if name not in CHECK_NAMES and not name.startswith("free_space:")]
