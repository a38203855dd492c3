"""Recorded lab snapshots (tests/unit/fixtures/nvme/*.json) and a node-file reader backed by them.

The snapshots were recorded on edgelab VMs by running plugins/module_utils/nvme/scan.py's collector with
python3 on the node (tests/unit/fixtures/nvme/record_snapshot.py; see the README.md beside it).
"""

import copy
import fnmatch
import json
from pathlib import Path

from ansible_collections.acstor.edge.plugins.module_utils.local_csi import contract
from ansible_collections.acstor.edge.plugins.module_utils.nvme.inventory import (
    InUse,
    NvmeNamespace,
    Signature,
    build_inventory,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nvme"


def load_snapshot(name):
    return json.loads((FIXTURES / (name + ".json")).read_text())


def inventory(name, extra_models=(), **overrides):
    snapshot = load_snapshot(name)
    snapshot.update(copy.deepcopy(overrides))
    return build_inventory(snapshot, extra_models)


def namespace(name, path, model, size, partitions=(), holders=(), mounted=False, signature=None, signature_known=True):
    """One nvme/inventory namespace, stated by what the preflight rules read of it."""
    in_use = InUse(
        signatures=[Signature(signature)] if signature else [],
        partitions=list(partitions),
        holders=[{"name": holder, "type": "raid0", "path": "/dev/" + holder} for holder in holders],
        mountpoints=["/data"] if mounted else [],
    )
    return NvmeNamespace(
        name=name,
        path=path,
        by_id=[],
        controller=name.rsplit("n", 1)[0],
        model=model,
        serial="",
        firmware="",
        transport="pcie",
        size=size,
        logical_sector_size=512,
        physical_sector_size=512,
        device_class="local",
        in_use=in_use,
        signatures_read=signature_known,
    )


class FixtureNodeFiles:
    """The common.node_io.NodeFiles interface answered from a recorded snapshot."""

    def __init__(self, snapshot):
        self.snapshot = snapshot
        self.attrs = snapshot.get("sysfs", {})
        self.records = {contract.record_path(k): json.dumps(v) for k, v in snapshot.get("records", {}).items()}

    def read(self, path, default=""):
        fixed = {"/proc/self/mountinfo": "mountinfo", "/proc/swaps": "swaps", "/etc/fstab": "fstab"}
        if path in fixed:
            return self.snapshot.get(fixed[path], default)
        for table in (self.attrs, self.records, self.snapshot.get("files", {})):
            if path in table:
                return table[path]
        return default

    def links(self, pattern):
        return {k: v for k, v in self.snapshot.get("links", {}).items() if fnmatch.fnmatch(k, pattern)}

    def glob(self, pattern):
        parents = {k.rsplit("/", 1)[0] for k in self.attrs} | {k.rsplit("/md/", 1)[0] for k in self.attrs}
        return sorted(p for p in parents | set(self.records) if fnmatch.fnmatch(p, pattern))

    def isdir(self, path):
        if path.startswith("/sys/module/"):
            return path.rsplit("/", 1)[-1] in self.snapshot.get("modules", [])
        return self.snapshot.get("paths", {}).get(path, {}).get("is_dir", False)

    def exists(self, path):
        return (
            path in self.snapshot.get("files", {})
            or path in self.snapshot.get("heads", {})
            or self.snapshot.get("paths", {}).get(path, {}).get("exists", False)
        )

    def listdir(self, path):
        return list(self.snapshot.get("paths", {}).get(path, {}).get("entries", []))

    def head(self, path, size=4096):
        return bytes.fromhex(self.snapshot.get("heads", {}).get(path, ""))[:size]
