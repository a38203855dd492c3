# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Discover what the preflight checks need to know about a node, in one read-only pass.

Parsers (``parse_*``) take text and return data. ``gather_node_facts`` reads files below a
root directory (``/`` on a node, a fixture tree in tests) and calls ``run_command`` only for
``blkid -p`` on NVMe namespaces; it never changes anything.
"""

import gzip
import os
import re
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional

from ansible_collections.acstor.edge.plugins.module_utils.node.prep_state import (
    parse_module_index,
    parse_os_release,
)

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

_KERNEL_RELEASE = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?")
_MULTIPATH_HIDDEN = re.compile(r"^nvme\d+c\d+n\d+$")
_NAMESPACE = re.compile(r"^nvme\d+n\d+$")


@dataclass
class NvmeNamespace:
    """One NVMe namespace as the local CSI driver would see it (lsblk TYPE=disk, /dev/nvme*)."""

    name: str
    path: str
    model: str
    size_bytes: int
    partitions: List[str] = field(default_factory=list)
    holders: List[str] = field(default_factory=list)
    mounted: bool = False
    signature: Optional[str] = None
    signature_known: bool = True


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
    nvme: List[NvmeNamespace] = field(default_factory=list)

    def as_dict(self):
        return asdict(self)


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


def parse_blkid_type(stdout):
    """``blkid -p -o export`` output → the TYPE, PTTYPE or other signature name; None if empty."""
    values = {}
    for line in stdout.splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    for key in ("TYPE", "PTTYPE"):
        if values.get(key):
            return values[key]
    return "unknown" if values else None


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


def _read(root, relative, default=""):
    try:
        with open(os.path.join(root, relative), "r", errors="replace") as handle:
            return handle.read()
    except (IOError, OSError):
        return default


def _listdir(root, relative):
    try:
        return sorted(os.listdir(os.path.join(root, relative)))
    except (IOError, OSError):
        return []


def _kernel_config(root, release):
    text = _read(root, "boot/config-%s" % release)
    if text:
        return parse_kernel_config(text), "/boot/config-%s" % release
    try:
        with gzip.open(os.path.join(root, "proc/config.gz"), "rt") as handle:
            return parse_kernel_config(handle.read()), "/proc/config.gz"
    except (IOError, OSError, EOFError):
        return {}, ""


def _available_modules(root, release, wanted):
    loaded = set(name.replace("-", "_") for name in _listdir(root, "sys/module"))
    base = "lib/modules/%s" % release
    known = parse_module_index(_read(root, base + "/modules.dep"))
    known |= parse_module_index(_read(root, base + "/modules.builtin"))
    if not known:
        base = "usr/" + base
        known = parse_module_index(_read(root, base + "/modules.dep"))
        known |= parse_module_index(_read(root, base + "/modules.builtin"))
    return dict((name, name.replace("-", "_") in loaded or name.replace("-", "_") in known) for name in wanted)


def _kubernetes_markers(root):
    found = {}
    for name, markers, _kubelet_root in KUBERNETES_MARKERS:
        present = ["/" + marker for marker in markers if os.path.exists(os.path.join(root, marker))]
        if present:
            found[name] = present
    return found


def _kubelet_root_from_processes(root):
    for pid in _listdir(root, "proc"):
        if not pid.isdigit():
            continue
        raw = _read(root, "proc/%s/cmdline" % pid)
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


def _mounted_sources(root):
    sources = set()
    for line in _read(root, "proc/mounts").splitlines():
        parts = line.split()
        if parts:
            sources.add(parts[0])
    for line in _read(root, "proc/swaps").splitlines()[1:]:
        parts = line.split()
        if parts:
            sources.add(parts[0])
    return sources


def _nvme_namespaces(root, run_command):
    mounted = _mounted_sources(root)
    result = []
    for name in _listdir(root, "sys/block"):
        if not _NAMESPACE.match(name) or _MULTIPATH_HIDDEN.match(name):
            continue
        block = "sys/block/%s" % name
        size_text = _read(root, block + "/size").strip()
        partitions = [entry for entry in _listdir(root, block) if entry.startswith(name + "p")]
        holders = _listdir(root, block + "/holders")
        path = "/dev/" + name
        namespace = NvmeNamespace(
            name=name,
            path=path,
            model=_read(root, block + "/device/model").strip(),
            size_bytes=int(size_text) * 512 if size_text.isdigit() else 0,
            partitions=partitions,
            holders=holders,
            mounted=path in mounted or any("/dev/" + part in mounted for part in partitions),
        )
        if run_command is None:
            namespace.signature_known = False
        else:
            rc, stdout, _stderr = run_command(["blkid", "-p", "-o", "export", path])
            if rc == 0:
                namespace.signature = parse_blkid_type(stdout)
            elif rc != 2:  # 2 = no signature found (blkid(8)); anything else = could not look
                namespace.signature_known = False
        result.append(namespace)
    return result


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


def gather_node_facts(root="/", run_command=None, modules=(), paths=(), nvme=True, machine=None):
    """Everything the checks read, from files under ``root``; ``run_command(argv)`` runs blkid."""
    uname = os.uname()
    release = _read(root, "proc/sys/kernel/osrelease").strip() or uname.release
    facts = NodeFacts(
        kernel_release=release,
        architecture=machine or uname.machine,
        cpu_count=parse_cpu_list(_read(root, "sys/devices/system/cpu/online")) or (os.cpu_count() or 0),
        mem_total_bytes=parse_meminfo_total(_read(root, "proc/meminfo")),
        os_release=parse_os_release(_read(root, "etc/os-release") or _read(root, "usr/lib/os-release")),
        hostname=_read(root, "proc/sys/kernel/hostname").strip(),
    )
    facts.kernel_config, facts.kernel_config_source = _kernel_config(root, release)
    facts.available_modules = _available_modules(root, release, modules)
    facts.kubernetes_markers = _kubernetes_markers(root)
    facts.kubelet_root_dir_from_process = _kubelet_root_from_processes(root)
    # Host LVM keeps a metadata backup per VG it created (lvm.conf backup/backup=1 by default).
    facts.lvm_volume_groups = _listdir(root, "etc/lvm/backup")
    facts.paths = [path_space(root, path) for path in paths]
    if nvme:
        facts.nvme = _nvme_namespaces(root, run_command)
    return facts
