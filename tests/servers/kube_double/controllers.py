"""What a cluster's controllers would do after a write, each switchable: PVCs bind (to the PV they name, or to a new
EdgeVolume when their class is one of the extension's), workloads report ready, the local CSI driver's DaemonSet
registers its CSIDriver, MirrorSubvolumes report Connected. Work is deferred by `delay` seconds and runs before
the next request is served."""

import re
import time

from .resources import EDGE_CLASSES, EDGE_GROUP, RETAIN_CLASSES
from .store import ObjectStore

# Kubernetes resource quantity suffixes (apimachinery resource.Quantity): binary and decimal SI.
QUANTITY_FACTORS = {
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
    "Ei": 2**60,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "P": 10**15,
    "E": 10**18,
    "": 1,
}


def parse_quantity(text):
    match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?", str(text))
    if not match:
        raise ValueError("not a quantity: {0!r}".format(text))
    return float(match.group(1)) * QUANTITY_FACTORS[match.group(2) or ""]


class KubeState(ObjectStore):
    """The object store plus the simulated controllers. `controllers` switches them off by name
    ("pvc", "workloads", "csidriver", "mirror"); `nodes` is how many pods a DaemonSet reports."""

    def __init__(self, edge_api="current", acstor_v1=False, nodes=2, controllers=None, delay=0.0):
        self.pending = []
        super().__init__(edge_api, acstor_v1)
        self.nodes = nodes
        self.delay = delay
        self.controllers = {"pvc": True, "workloads": True, "csidriver": True, "mirror": True}
        self.controllers.update(controllers or {})

    def later(self, action):
        self.pending.append((time.monotonic() + self.delay, action))

    def run_pending(self):
        due = [item for item in self.pending if item[0] <= time.monotonic()]
        self.pending = [item for item in self.pending if item[0] > time.monotonic()]
        for _due_time, action in due:
            action()

    def _ensure_object(self, api_version, kind, body):
        resource = self.resource_for_kind(api_version, kind)
        meta = body["metadata"]
        if self._key(resource, meta.get("namespace"), meta["name"]) not in self.objects:
            self._store(resource, body)

    def on_write(self, resource, obj):
        reactions = {
            "PersistentVolume": ("pvc", self._on_persistent_volume),
            "PersistentVolumeClaim": ("pvc", self._on_claim),
            "DaemonSet": ("workloads", self._on_daemonset),
            "Deployment": ("workloads", self._on_deployment),
            "EdgeVolume": ("pvc", self._on_edge_volume),
            "MirrorSubvolume": ("mirror", self._on_mirror),
        }
        switch, react = reactions.get(resource.kind, (None, None))
        if react is not None and self.controllers[switch]:
            react(resource, obj)

    def _on_persistent_volume(self, _resource, obj):
        claim = (obj.get("spec") or {}).get("claimRef") or {}
        if (obj.get("status") or {}).get("phase") not in ("Bound", "Released"):
            obj["status"] = {"phase": "Available"}
        if claim.get("name"):
            self.later(lambda: self.bind_static(claim.get("namespace"), claim["name"]))

    def _on_claim(self, resource, obj):
        meta = obj["metadata"]
        name, namespace = meta["name"], meta.get("namespace")
        storage_class = (obj.get("spec") or {}).get("storageClassName")
        if (obj.get("status") or {}).get("phase") == "Bound":
            return
        obj["status"] = {"phase": "Pending"}
        if (obj.get("spec") or {}).get("volumeName"):
            self.later(lambda: self.bind_static(namespace, name))
        elif storage_class in EDGE_CLASSES and self.resource(EDGE_GROUP, "edgevolumes"):

            def bind():
                if self._key(resource, namespace, name) not in self.objects:
                    return
                requests = (obj["spec"].get("resources") or {}).get("requests")
                self.set_status(
                    "v1",
                    "PersistentVolumeClaim",
                    name,
                    {"phase": "Bound", "accessModes": obj["spec"].get("accessModes"), "capacity": requests},
                    namespace,
                )
                self._ensure_object(
                    EDGE_GROUP + "/v1",
                    "EdgeVolume",
                    {
                        "metadata": {"name": name, "namespace": namespace},
                        "spec": {"requestedSize": (requests or {}).get("storage")},
                    },
                )
                self.set_status(EDGE_GROUP + "/v1", "EdgeVolume", name, {"state": "deployed"}, namespace)

            self.later(bind)

    def _on_daemonset(self, _resource, obj):
        meta = obj["metadata"]
        name, namespace = meta["name"], meta.get("namespace")

        def ready():
            self.set_status(
                "apps/v1",
                "DaemonSet",
                name,
                {
                    "desiredNumberScheduled": self.nodes,
                    "currentNumberScheduled": self.nodes,
                    "updatedNumberScheduled": self.nodes,
                    "numberReady": self.nodes,
                    "numberAvailable": self.nodes,
                    "numberMisscheduled": 0,
                    "observedGeneration": meta["generation"],
                },
                namespace,
            )
            if name == "csi-local-node" and self.controllers["csidriver"]:
                # The real driver pod registers the CSIDriver at startup; Helm never owns it.
                self._ensure_object(
                    "storage.k8s.io/v1",
                    "CSIDriver",
                    {
                        "metadata": {"name": "localdisk.csi.acstor.io"},
                        "spec": {
                            "attachRequired": False,
                            "podInfoOnMount": True,
                            "storageCapacity": True,
                            "fsGroupPolicy": "File",
                            "volumeLifecycleModes": ["Persistent", "Ephemeral"],
                        },
                    },
                )

        self.later(ready)

    def _on_deployment(self, _resource, obj):
        meta = obj["metadata"]
        name, namespace = meta["name"], meta.get("namespace")
        replicas = (obj.get("spec") or {}).get("replicas", 1)
        self.later(
            lambda: self.set_status(
                "apps/v1",
                "Deployment",
                name,
                {
                    "replicas": replicas,
                    "readyReplicas": replicas,
                    "availableReplicas": replicas,
                    "updatedReplicas": replicas,
                    "observedGeneration": meta["generation"],
                },
                namespace,
            )
        )

    def _on_edge_volume(self, _resource, obj):
        meta = obj["metadata"]
        # static-retain.md: an EdgeVolume applied by hand shows `state: deployed` once the operator made it.
        if ((obj.get("status") or {}).get("state")) != "deployed":
            self.later(
                lambda: self.set_status(
                    EDGE_GROUP + "/v1", "EdgeVolume", meta["name"], {"state": "deployed"}, meta.get("namespace")
                )
            )

    def _on_mirror(self, _resource, obj):
        meta = obj["metadata"]
        self.later(
            lambda: self.set_status(
                EDGE_GROUP + "/v1",
                "MirrorSubvolume",
                meta["name"],
                {"backendConnection": "Connected"},
                meta.get("namespace"),
            )
        )

    def bind_static(self, namespace, claim_name):
        """Pre-bind a PVC to the PV its spec.volumeName names, as the Kubernetes PV controller does.

        Kubernetes docs (Persistent Volumes, "Reserving a PersistentVolume" and "Binding"): the claim binds to the
        named volume when the volume is not bound to another claim (its claimRef, if set, names this claim's
        namespace and name), the storage class names are equal, the volume's access modes include the claim's and
        its capacity is at least the request. Both then report phase Bound; the PV's claimRef gets the claim's uid.
        """
        with self.lock:
            claim = self.objects.get(("", "persistentvolumeclaims", namespace, claim_name))
            if claim is None or not claim["spec"].get("volumeName"):
                return
            volume = self.objects.get(("", "persistentvolumes", "", claim["spec"]["volumeName"]))
            if volume is None or (claim.get("status") or {}).get("phase") == "Bound":
                return
            ref = volume["spec"].get("claimRef") or {}
            if ref and (ref.get("name"), ref.get("namespace")) != (claim_name, namespace):
                return
            if ref.get("uid") and ref["uid"] != claim["metadata"].get("uid"):
                return
            if (volume["spec"].get("storageClassName") or "") != (claim["spec"].get("storageClassName") or ""):
                return
            if not set(claim["spec"].get("accessModes") or []) <= set(volume["spec"].get("accessModes") or []):
                return
            wanted = ((claim["spec"].get("resources") or {}).get("requests") or {}).get("storage", "0")
            if parse_quantity(volume["spec"]["capacity"]["storage"]) < parse_quantity(wanted):
                return
            volume["spec"]["claimRef"] = {
                "kind": "PersistentVolumeClaim",
                "apiVersion": "v1",
                "namespace": namespace,
                "name": claim_name,
                "uid": claim["metadata"].get("uid"),
                "resourceVersion": claim["metadata"].get("resourceVersion"),
            }
            volume["metadata"]["resourceVersion"] = self._next_version()
        self.set_status("v1", "PersistentVolume", volume["metadata"]["name"], {"phase": "Bound"})
        self.set_status(
            "v1",
            "PersistentVolumeClaim",
            claim_name,
            {
                "phase": "Bound",
                "accessModes": volume["spec"].get("accessModes"),
                "capacity": volume["spec"]["capacity"],
            },
            namespace,
        )

    def on_delete(self, resource, obj):
        meta = obj["metadata"]
        if resource.kind == "PersistentVolumeClaim" and self.controllers["pvc"]:
            volume_name = (obj.get("spec") or {}).get("volumeName")
            volume = self.objects.get(("", "persistentvolumes", "", volume_name)) if volume_name else None
            if volume is not None:
                # Retain (the default for hand-made PVs): the volume is Released and keeps its data.
                if volume["spec"].get("persistentVolumeReclaimPolicy", "Retain") == "Retain":
                    volume["status"] = {"phase": "Released"}
                else:
                    self.objects.pop(("", "persistentvolumes", "", volume_name), None)
                return
            if (obj.get("spec") or {}).get("storageClassName") in RETAIN_CLASSES:
                return  # static-retain.md: deleting the PVC keeps the EdgeVolume
            if self.resource(EDGE_GROUP, "edgevolumes"):
                self.objects.pop((EDGE_GROUP, "edgevolumes", meta.get("namespace"), meta["name"]), None)
