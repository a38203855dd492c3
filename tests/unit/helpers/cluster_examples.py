"""Valid cluster-side inputs that several test files start from, written once: a test makes a wrong case by changing
one field of a copy (`dict(INGEST, path="/abs")`), so the valid rest is the same everywhere and cannot drift.

Unit tests import it by plain name (tests/unit/conftest.py); the functional tests too (tests/conftest.py puts
tests/unit/helpers on the path). Treat the values as read-only: copy before changing.
"""

ENDPOINT = "https://mediastore.blob.core.windows.net/"

# The Arc extension of Azure Container Storage, as the arc_extension module takes it.
EXTENSION = dict(
    resource_group="rg-edge",
    cluster_name="store-0001",
    name="azure-arc-containerstorage",
    extension_type="microsoft.arc.containerstorage",
    version="2.12.0",
    release_train="stable",
    scope="cluster",
    release_namespace="azure-arc-containerstorage",
)

# Edge Volumes: one cloud volume with an ingest and a mirror subvolume, one local shared volume (edge_volumes_list).
INGEST = {"name": "camera-ingest", "type": "ingest", "path": "ingest", "endpoint": ENDPOINT, "container": "frames"}
MIRROR = {
    "name": "models",
    "type": "mirror",
    "path": "models",
    "endpoint": ENDPOINT,
    "container": "models",
    "schedule": "@hourly",
}
CLOUD_VOLUME = {"name": "camera", "kind": "cloud", "size": "10Gi", "subvolumes": [INGEST, MIRROR]}
LOCAL_VOLUME = {"name": "scratch", "kind": "local_shared", "size": "2Gi"}
VOLUMES = [CLOUD_VOLUME, LOCAL_VOLUME]


def local_csi_volume(name, storage_class="local"):
    """A PersistentVolume the local CSI driver provisioned from StorageClass `storage_class` (a volume still in use
    keeps the driver from being uninstalled)."""
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name},
        "spec": {
            "storageClassName": storage_class,
            "capacity": {"storage": "1Gi"},
            "accessModes": ["ReadWriteOnce"],
            "csi": {"driver": "localdisk.csi.acstor.io", "volumeHandle": "containerstorage#" + name},
        },
    }
