"""The test double's object store: CRUD, list with selectors, the four patch types, resourceVersion and generation
bookkeeping like the real API server, dryRun, and fault injection."""

import copy
import json
import threading
import uuid
from datetime import datetime, timezone

import yaml

from .errors import ApiError
from .patches import PatchError, apply_merge, json_patch, merge_patch, strategic_merge_patch
from .resources import EDGE_GROUP, served_resources
from .selectors import field_values, selector_matches


def now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class ObjectStore:
    """Objects by (group, plural, namespace, name), the resource registry, the request logs and injected faults:
    what the API server keeps, without anything a controller would do. All access under self.lock.

    Subclasses react to writes through `on_write`/`on_delete` and run deferred work in `run_pending`."""

    def __init__(self, edge_api="current", acstor_v1=False):
        self.resources = served_resources(edge_api, acstor_v1)
        self.lock = threading.RLock()
        self.objects = {}
        self.counter = 100
        self.requests = []
        self.access_log = []
        self.faults = []
        for name in ("default", "kube-system", "kube-public"):
            self._store(
                self.resource("", "namespaces"), {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
            )

    def add_fault(self, method, path_contains, status, count=1, reason="InjectedFault"):
        """Answer the next `count` requests whose method matches and whose path contains `path_contains` with
        HTTP `status` (a Kubernetes Status body), before anything is stored. `method` may be "*"."""
        self.faults.append(
            {
                "method": method.upper(),
                "path": path_contains,
                "status": status,
                "count": count,
                "reason": reason,
                "hits": 0,
            }
        )

    def take_fault(self, method, path):
        for fault in self.faults:
            if fault["count"] > 0 and fault["method"] in ("*", method) and fault["path"] in path:
                fault["count"] -= 1
                fault["hits"] += 1
                return fault
        return None

    # -- registry -------------------------------------------------------------------------
    def resource(self, group, plural):
        for resource in self.resources:
            if resource.group == group and resource.plural == plural:
                return resource
        return None

    def resource_for_kind(self, api_version, kind):
        group = api_version.rpartition("/")[0]
        for resource in self.resources:
            if resource.group == group and resource.kind == kind:
                return resource
        raise KeyError("{0} {1} is not served".format(api_version, kind))

    def groups(self):
        result = {}
        for resource in self.resources:
            if resource.group:
                result.setdefault(resource.group, set()).add(resource.version)
        return result

    # -- storage --------------------------------------------------------------------------
    def _key(self, resource, namespace, name):
        return (resource.group, resource.plural, namespace if resource.namespaced else "", name)

    def _next_version(self):
        self.counter += 1
        return str(self.counter)

    def _store(self, resource, obj):
        meta = obj.setdefault("metadata", {})
        meta.setdefault("uid", str(uuid.uuid4()))
        meta.setdefault("creationTimestamp", now())
        meta["resourceVersion"] = self._next_version()
        meta.setdefault("generation", 1)
        obj["apiVersion"], obj["kind"] = resource.api_version, resource.kind
        self.objects[self._key(resource, meta.get("namespace"), meta["name"])] = obj
        return obj

    def get(self, resource, namespace, name):
        obj = self.objects.get(self._key(resource, namespace, name))
        if obj is None:
            raise ApiError(404, "NotFound", '{0} "{1}" not found'.format(resource.plural, name), name, resource.plural)
        return obj

    def find(self, api_version, kind, name, namespace=None):
        with self.lock:
            self.run_pending()
            resource = self.resource_for_kind(api_version, kind)
            obj = self.objects.get(self._key(resource, namespace, name))
            return copy.deepcopy(obj) if obj else None

    def list(self, resource, namespace, label_selector=None, field_selector=None):
        items = []
        for (group, plural, ns, _name), obj in sorted(self.objects.items()):
            if group != resource.group or plural != resource.plural:
                continue
            if namespace and resource.namespaced and ns != namespace:
                continue
            if label_selector and not selector_matches(label_selector, obj["metadata"].get("labels") or {}):
                continue
            if field_selector and not selector_matches(field_selector, field_values(obj)):
                continue
            items.append(copy.deepcopy(obj))
        return items

    def create(self, resource, namespace, body, dry_run=False):
        obj = copy.deepcopy(body)
        meta = obj.setdefault("metadata", {})
        if not meta.get("name"):
            if meta.get("generateName"):
                meta["name"] = meta["generateName"] + uuid.uuid4().hex[:5]
            else:
                raise ApiError(422, "Invalid", "metadata.name: Required value", None, resource.kind)
        if resource.namespaced:
            namespace = namespace or meta.get("namespace") or "default"
            if meta.get("namespace") and meta["namespace"] != namespace:
                raise ApiError(
                    400, "BadRequest", "the namespace of the object does not match the namespace on the request"
                )
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        if self._key(resource, meta.get("namespace"), meta["name"]) in self.objects:
            raise ApiError(
                409,
                "AlreadyExists",
                '{0} "{1}" already exists'.format(resource.plural, meta["name"]),
                meta["name"],
                resource.plural,
            )
        for field in ("resourceVersion", "uid", "creationTimestamp", "deletionTimestamp"):
            meta.pop(field, None)
        if resource.has_status:
            obj.pop("status", None)
        if dry_run:
            meta.update(uid=str(uuid.uuid4()), resourceVersion="", creationTimestamp=now(), generation=1)
            return obj
        meta["generation"] = 1
        stored = self._store(resource, obj)
        self.on_write(resource, stored)
        return copy.deepcopy(stored)

    def replace(self, resource, namespace, name, body, subresource=None, dry_run=False, patch=False):
        current = self.get(resource, namespace, name)
        new = copy.deepcopy(body)
        meta = new.setdefault("metadata", {})
        wanted_version = meta.get("resourceVersion")
        if wanted_version and wanted_version != current["metadata"]["resourceVersion"]:
            raise ApiError(
                409,
                "Conflict",
                'Operation cannot be fulfilled on {0} "{1}": the object has been modified; '
                "please apply your changes to the latest version and try again".format(resource.plural, name),
                name,
                resource.plural,
            )
        if meta.get("name", name) != name:
            raise ApiError(400, "BadRequest", "the name of the object does not match the name on the request")
        meta["name"] = name
        for field in ("uid", "creationTimestamp", "generation"):
            meta[field] = current["metadata"].get(field)
        if resource.namespaced:
            meta["namespace"] = current["metadata"]["namespace"]
        if subresource == "status":
            merged = copy.deepcopy(current)
            merged["status"] = new.get("status")
            new = merged
        elif resource.has_status:
            new["status"] = copy.deepcopy(current.get("status"))
            if new.get("status") is None:
                new.pop("status")
        if new.get("spec") != current.get("spec") or (
            resource.kind in ("StorageClass", "CSIDriver") and new != current
        ):
            new["metadata"]["generation"] = (current["metadata"].get("generation") or 1) + (
                0 if subresource == "status" else 1
            )
        if dry_run:
            return new
        unchanged = dict(new, metadata=dict(new["metadata"], resourceVersion=None))
        if unchanged == dict(current, metadata=dict(current["metadata"], resourceVersion=None)):
            return copy.deepcopy(current)  # a no-op write keeps the resourceVersion, like the real server
        stored = self._store(resource, new)
        if subresource != "status":
            self.on_write(resource, stored)
        return copy.deepcopy(stored)

    def patch(self, resource, namespace, name, content_type, raw, subresource=None, dry_run=False):
        content_type = (content_type or "").split(";")[0].strip()
        if content_type == "application/apply-patch+yaml":
            applied = yaml.safe_load(raw) or {}
            if self._key(resource, namespace, name) not in self.objects:
                applied.setdefault("metadata", {})["name"] = name
                return self.create(resource, namespace, applied, dry_run)
            current = self.get(resource, namespace, name)
            new = apply_merge(current, applied)
            new["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
            return self.replace(resource, namespace, name, new, subresource, dry_run)
        current = self.get(resource, namespace, name)
        patch = json.loads(raw or b"null")
        if content_type == "application/json-patch+json":
            try:
                new = json_patch(current, patch)
            except PatchError as error:
                raise ApiError(422, "Invalid", str(error)) from error
        elif content_type == "application/merge-patch+json":
            new = merge_patch(current, patch)
        elif content_type == "application/strategic-merge-patch+json":
            if resource.group == EDGE_GROUP:
                raise ApiError(
                    415, "UnsupportedMediaType", "strategic merge patch is not supported for custom resources"
                )
            new = strategic_merge_patch(current, patch)
        else:
            raise ApiError(
                415, "UnsupportedMediaType", "the body of the request was in an unknown format: " + content_type
            )
        if isinstance(patch, dict) and ((patch.get("metadata") or {}).get("resourceVersion")):
            new["metadata"]["resourceVersion"] = patch["metadata"]["resourceVersion"]
        else:
            new["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
        return self.replace(resource, namespace, name, new, subresource, dry_run)

    def delete(self, resource, namespace, name, dry_run=False):
        obj = self.get(resource, namespace, name)
        if dry_run:
            return copy.deepcopy(obj)
        del self.objects[self._key(resource, namespace, name)]
        self.on_delete(resource, obj)
        obj = copy.deepcopy(obj)
        obj["metadata"]["deletionTimestamp"] = now()
        return obj

    def set_status(self, api_version, kind, name, status, namespace=None):
        with self.lock:
            resource = self.resource_for_kind(api_version, kind)
            obj = self.objects.get(self._key(resource, namespace, name))
            if obj is None:
                return None
            obj["status"] = merge_patch(obj.get("status") or {}, status)
            obj["metadata"]["resourceVersion"] = self._next_version()
            return copy.deepcopy(obj)

    # -- hooks for the simulated controllers ----------------------------------------------------
    def on_write(self, resource, obj):
        """Called after an object was created or its main resource replaced (not on status writes)."""

    def on_delete(self, resource, obj):
        """Called after an object was deleted."""

    def run_pending(self):
        """Called before each request is served: deferred controller work that is due runs here."""
