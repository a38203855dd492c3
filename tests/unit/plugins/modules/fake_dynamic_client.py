"""A fake of kubernetes.core's K8SClient / dynamic client for module unit tests (no network)."""

import copy
import types

from kubernetes.dynamic.exceptions import ConflictError, NotFoundError, ResourceNotFoundError

from kube_double.patches import merge_patch

NAMESPACED = {
    "PersistentVolumeClaim",
    "Pod",
    "EdgeVolume",
    "IngestSubvolume",
    "MirrorSubvolume",
    "EdgeSubvolume",
    "EdgeIngestPolicy",
    "DaemonSet",
    "Deployment",
}
CURRENT = ["EdgeStorageConfiguration", "EdgeVolume", "IngestSubvolume", "MirrorSubvolume"]
LEGACY = ["EdgeStorageConfiguration", "EdgeVolume", "EdgeSubvolume", "EdgeIngestPolicy"]
CORE = ["PersistentVolumeClaim", "Pod", "PersistentVolume", "DaemonSet", "CSIDriver", "StorageClass"]


def _api_error(cls, status, reason):
    return cls(types.SimpleNamespace(status=status, reason=reason, body='{"message": "%s"}' % reason, headers={}))


class Instance(dict):
    def to_dict(self):
        return copy.deepcopy(dict(self))


class FakeClient:
    """Objects live in self.objects[(kind, namespace, name)]; self.calls records every write."""

    def __init__(self, kinds=None, objects=(), conflicts=0):
        self.kinds = set(kinds if kinds is not None else CURRENT + CORE)
        self.objects = {}
        self.calls = []
        self.version = 1
        self.conflicts = conflicts  # answer this many patches with 409 first
        for obj in objects:
            self.put(copy.deepcopy(obj))

    def put(self, obj):
        self.version += 1
        obj.setdefault("metadata", {})["resourceVersion"] = str(self.version)
        self.objects[(obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"])] = obj

    @property
    def client(self):
        """The dynamic client under K8SClient: here the fake itself (KubernetesObjects reads discovery through it)."""
        return self

    def request(self, method, path):
        """GET /api/v1 or /apis/<group>/<version>: a discovery document listing every served kind (the fake does
        not tell versions apart); self.discovery_requests counts them."""
        self.discovery_requests = getattr(self, "discovery_requests", 0) + 1
        assert method == "GET" and path.startswith(("/api/", "/apis/")), (method, path)
        return types.SimpleNamespace(
            resources=[{"kind": kind, "name": kind.lower() + "s"} for kind in sorted(self.kinds)]
        )

    def resource(self, kind, api_version):
        if kind not in self.kinds:
            raise ResourceNotFoundError("no {0}".format(kind))
        return types.SimpleNamespace(kind=kind, api_version=api_version, namespaced=kind in NAMESPACED)

    def get(self, resource, name=None, namespace=None, **params):
        if name is None:
            items = [
                copy.deepcopy(o)
                for (k, ns, _n), o in sorted(self.objects.items())
                if k == resource.kind and (namespace is None or ns == namespace)
            ]
            return Instance(items=items)
        obj = self.objects.get((resource.kind, namespace if resource.namespaced else None, name))
        if obj is None:
            raise _api_error(NotFoundError, 404, "NotFound")
        return Instance(copy.deepcopy(obj))

    def create(self, resource, body, namespace=None, **params):
        self.calls.append(("create", resource.kind, body["metadata"]["name"]))
        obj = copy.deepcopy(body)
        if not resource.namespaced:
            obj["metadata"].pop("namespace", None)
        self.put(obj)
        return Instance(copy.deepcopy(obj))

    def patch(self, resource, body, name=None, namespace=None, content_type=None, **params):
        self.calls.append(("patch", resource.kind, name))
        assert content_type == "application/merge-patch+json"
        if self.conflicts:
            self.conflicts -= 1
            raise _api_error(ConflictError, 409, "Conflict")
        key = (resource.kind, namespace if resource.namespaced else None, name)
        current = self.objects[key]
        wanted = (body.get("metadata") or {}).get("resourceVersion")
        if wanted and wanted != current["metadata"]["resourceVersion"]:
            raise _api_error(ConflictError, 409, "Conflict")
        self.put(merge_patch(current, body))
        return Instance(copy.deepcopy(self.objects[key]))

    def delete(self, resource, name=None, namespace=None, **params):
        self.calls.append(("delete", resource.kind, name))
        key = (resource.kind, namespace if resource.namespaced else None, name)
        if key not in self.objects:
            raise _api_error(NotFoundError, 404, "NotFound")
        return Instance(self.objects.pop(key))
