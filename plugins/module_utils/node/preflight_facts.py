# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Discover what the preflight checks need to know about a node, in one read-only pass.

Parsers (``parse_*``) take text and return data. ``gather_node_facts`` reads files below a
root directory (``/`` on a node, a fixture tree in tests) through common.node_io.NodeFiles, and
takes its NVMe namespaces from the same scan and inventory the stripe module uses (nvme/scan.py,
nvme/inventory.py); it never changes anything.
"""

import os
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Dict, List

from ansible_collections.acstor.edge.plugins.module_utils.common.node_io import NodeFiles
from ansible_collections.acstor.edge.plugins.module_utils.node.prep_state import (
    parse_module_index,
    parse_os_release,
)
from ansible_collections.acstor.edge.plugins.module_utils.nvme.inventory import build_inventory
from ansible_collections.acstor.edge.plugins.module_utils.nvme.scan import collect_snapshot

# Kubernetes distributions and the files that betray them, most specific first. The kubelet
# root is where each one keeps kubelet state by default (microk8s and k0s move it, which the
# local CSI driver's hard-coded hostPaths do not follow).
KUBERNETES_MARKERS = (
    ("microk8s", ("snap/bin/microk8s", "var/snap/microk8s"), "/var/snap/microk8s/common/var/lib/kubelet"),
    ("k0s", ("usr/local/bin/k0s", "var/lib/k0s", "etc/k0s"), "/var/lib/k0s/kubelet"),
    ("rke2", ("etc/rancher/rke2", "var/lib/rancher/rke2"), "/var/lib/kubelet"),
    ("k3s", ("usr/local/bin/k3s", "etc/rancher/k3s", "var/lib/rancher/k3s"), "/var/lib/kubelet"),
    ("kubeadm", ("etc/kubernetes/kubelet.conf", "usr/bin/kubeadm", "usr/local/bin/kubeadm"), "/var/lib/kubelet"),
)
DEFAULT_KUBELET_ROOT = "/var/lib/kubelet"
KUBERNETES_DISTRIBUTIONS = ("aks_edge_essentials",) + tuple(name for name, _markers, _root in KUBERNETES_MARKERS)

# The kernel options preflight_checks reads. The node facts report only these: the whole .config (about 95 KB, some
# 10,000 options) went to the controller and into the preflight_report fact of every host on every run.
REPORTED_KERNEL_OPTIONS = ("CONFIG_NFS_V4_2",)

_KERNEL_RELEASE = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?")


@dataclass
class PathSpace:
    """Free space of the filesystem that holds (or will hold) a directory."""

    path: str
    existing_ancestor: str
    free_bytes: int
    same_filesystem_as_root: bool


@dataclass
class NodeFacts:
    kernel_release: str = ""
    architecture: str = ""
    cpu_count: int = 0
    mem_total_bytes: int = 0
    os_release: Dict[str, str] = field(default_factory=dict)
    hostname: str = ""
    kernel_config: Dict[str, str] = field(default_factory=dict)
    kernel_config_source: str = ""
    available_modules: Dict[str, bool] = field(default_factory=dict)
    kubernetes_markers: Dict[str, List[str]] = field(default_factory=dict)
    kubelet_root_dir_from_process: str = ""
    lvm_volume_groups: List[str] = field(default_factory=list)
    paths: List[PathSpace] = field(default_factory=list)
    # nvme/inventory.NvmeNamespace, and what the NVMe scan could not read
    nvme: List[object] = field(default_factory=list)
    nvme_errors: List[str] = field(default_factory=list)

    def as_dict(self):
        result = asdict(replace(self, nvme=[], kernel_config={}))
        result["kernel_config"] = dict(
            (name, value) for name, value in self.kernel_config.items() if name in REPORTED_KERNEL_OPTIONS
        )
        result["nvme"] = [namespace_summary(namespace) for namespace in self.nvme]
        return result


def namespace_signature(namespace):
    """The signature the namespace carries (a partition table before its protective MBR), or None."""
    types = [signature.type for signature in namespace.in_use.signatures]
    preferred = [kind for kind in types if kind != "PMBR"]
    return (preferred or types or [None])[0]


def namespace_busy(namespace):
    """In use for the local CSI driver: partitions, holders, mounts, or any signature but an LVM2 PV."""
    in_use = namespace.in_use
    foreign = [signature for signature in in_use.signatures if signature.type != "LVM2_member"]
    return bool(in_use.partitions or in_use.holders or in_use.mountpoints or foreign)


def namespace_summary(namespace):
    """The fields of a namespace the preflight checks read, as the module returns them."""
    return {
        "name": namespace.name,
        "path": namespace.path,
        "model": namespace.model,
        "size_bytes": namespace.size,
        "partitions": list(namespace.in_use.partitions),
        "holders": [holder["name"] for holder in namespace.in_use.holders],
        "mounted": bool(namespace.in_use.mountpoints),
        "signature": namespace_signature(namespace),
        "signature_known": namespace.signatures_read,
    }


def parse_meminfo_total(text):
    """/proc/meminfo → MemTotal in bytes (0 when absent)."""
    for line in text.splitlines():
        if line.startswith("MemTotal:"):
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                factor = 1024 if len(parts) < 3 or parts[2].lower() == "kb" else 1
                return int(parts[1]) * factor
    return 0


def parse_cpu_list(text):
    """A sysfs CPU list such as ``0-3,6`` → number of CPUs."""
    count = 0
    for chunk in text.strip().split(","):
        chunk = chunk.strip()
        if not chunk:
            continue
        if "-" in chunk:
            low, high = chunk.split("-", 1)
            count += int(high) - int(low) + 1
        else:
            count += 1
    return count


def parse_kernel_version(release):
    """``6.1.0-28-cloud-amd64`` → (6, 1, 0); None when it does not start with a version."""
    match = _KERNEL_RELEASE.match(release or "")
    if not match:
        return None
    return (int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))


def parse_kernel_config(text):
    """A kernel .config → dict of CONFIG_* name: value (``y``, ``m`` or a string)."""
    result = {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("CONFIG_") and "=" in line:
            key, value = line.split("=", 1)
            result[key] = value.strip('"')
        elif line.startswith("# CONFIG_") and line.endswith(" is not set"):
            result[line[2 : -len(" is not set")]] = "n"
    return result


def parse_kubelet_root_dir(argv):
    """A kubelet (or k3s/rke2 embedding a kubelet) argv list → its --root-dir, '' if not given."""
    for index, arg in enumerate(argv):
        for prefix in ("--root-dir=", "--kubelet-arg=root-dir=", "--kubelet-arg=--root-dir="):
            if arg.startswith(prefix):
                return arg[len(prefix) :]
        if arg in ("--root-dir",) and index + 1 < len(argv):
            return argv[index + 1]
        if arg == "--kubelet-arg" and index + 1 < len(argv):
            value = argv[index + 1].lstrip("-")
            if value.startswith("root-dir="):
                return value[len("root-dir=") :]
    return ""


def _kernel_config(files, release):
    text = files.read("/boot/config-%s" % release)
    if text:
        return parse_kernel_config(text), "/boot/config-%s" % release
    text = files.read_gzip("/proc/config.gz", default=None)
    if text is None:
        return {}, ""
    return parse_kernel_config(text), "/proc/config.gz"


def _available_modules(files, release, wanted):
    loaded = set(name.replace("-", "_") for name in files.listdir("/sys/module"))
    base = "/lib/modules/%s" % release
    known = parse_module_index(files.read(base + "/modules.dep"))
    known |= parse_module_index(files.read(base + "/modules.builtin"))
    if not known:
        base = "/usr" + base
        known = parse_module_index(files.read(base + "/modules.dep"))
        known |= parse_module_index(files.read(base + "/modules.builtin"))
    return dict((name, name.replace("-", "_") in loaded or name.replace("-", "_") in known) for name in wanted)


def _kubernetes_markers(files):
    found = {}
    for name, markers, _kubelet_root in KUBERNETES_MARKERS:
        present = ["/" + marker for marker in markers if files.exists("/" + marker)]
        if present:
            found[name] = present
    return found


def _kubelet_root_from_processes(files):
    for pid in files.listdir("/proc"):
        if not pid.isdigit():
            continue
        raw = files.read("/proc/%s/cmdline" % pid)
        if "kubelet" not in raw and "k3s" not in raw and "rke2" not in raw:
            continue
        argv = [part for part in raw.split("\0") if part]
        if not argv:
            continue
        command = os.path.basename(argv[0])
        if command in ("kubelet", "k3s", "rke2") or command.startswith(("k3s-", "k0s")):
            found = parse_kubelet_root_dir(argv[1:])
            if found:
                return found
    return ""


def path_space(root, path):
    """Free space for ``path``, measured on its nearest existing ancestor."""
    candidate = path
    while candidate not in ("", "/") and not os.path.exists(os.path.join(root, candidate.lstrip("/"))):
        candidate = os.path.dirname(candidate.rstrip("/")) or "/"
    real = os.path.join(root, candidate.lstrip("/"))
    stats = os.statvfs(real)
    same = os.stat(real).st_dev == os.stat(os.path.join(root, "")).st_dev
    return PathSpace(
        path=path,
        existing_ancestor=candidate or "/",
        free_bytes=stats.f_bavail * stats.f_frsize,
        same_filesystem_as_root=same,
    )


def nvme_facts(run, bin_path, files=None):
    """(namespaces, errors) from the NVMe scan and inventory nvme_info and nvme_stripe use."""
    snapshot = collect_snapshot(run, bin_path, files=files)
    return build_inventory(snapshot).namespaces, list(snapshot["errors"])


def gather_node_facts(root="/", run=None, bin_path=None, modules=(), paths=(), nvme=True, machine=None):
    """Everything the checks read, from files under ``root``.

    ``run(argv)`` and ``bin_path(name)`` run the NVMe scan (lsblk, read-only wipefs, pvs/lvs when LVM is in use).
    """
    files = NodeFiles(root, errors="replace")
    uname = os.uname()
    release = files.read("/proc/sys/kernel/osrelease").strip() or uname.release
    facts = NodeFacts(
        kernel_release=release,
        architecture=machine or uname.machine,
        cpu_count=parse_cpu_list(files.read("/sys/devices/system/cpu/online")) or (os.cpu_count() or 0),
        mem_total_bytes=parse_meminfo_total(files.read("/proc/meminfo")),
        os_release=parse_os_release(files.read("/etc/os-release") or files.read("/usr/lib/os-release")),
        hostname=files.read("/proc/sys/kernel/hostname").strip(),
    )
    facts.kernel_config, facts.kernel_config_source = _kernel_config(files, release)
    facts.available_modules = _available_modules(files, release, modules)
    facts.kubernetes_markers = _kubernetes_markers(files)
    facts.kubelet_root_dir_from_process = _kubelet_root_from_processes(files)
    # Host LVM keeps a metadata backup per VG it created (lvm.conf backup/backup=1 by default).
    facts.lvm_volume_groups = files.listdir("/etc/lvm/backup")
    facts.paths = [path_space(root, path) for path in paths]
    if nvme:
        facts.nvme, facts.nvme_errors = nvme_facts(run, bin_path, files)
    return facts
