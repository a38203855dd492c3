"""A small Kubernetes API *test double* for acstor.edge's functional tests. Not a cluster.

It listens on 127.0.0.1 only and keeps objects in memory. What it does:

* discovery: /version, /api, /apis, /api/v1, /apis/<group>/<version> for the kinds the collection uses
  (core, apps, storage, RBAC, admission, the Edge Volumes group in its current and legacy generations);
* namespaced and cluster-scoped CRUD, list with label selectors (=, !=, in, notin, exists) and the
  metadata.name/metadata.namespace/status.phase field selectors, dryRun=All;
* the patch types kubernetes.core and helm send: JSON merge patch, strategic merge patch (approximated:
  merge patch with lists of named items merged by name and $-directives dropped), JSON patch and
  server-side apply (approximated: deep merge of the applied object, create when missing);
* resourceVersion: a global counter, and a stale metadata.resourceVersion in PUT or PATCH gets 409 Conflict;
  generation is bumped when spec changes; status is kept out of main-resource writes like the real server;
* "controllers" that stand in for what a cluster would do, each switchable: PVCs become Bound and get an
  EdgeVolume (state deployed) when their class is one of the extension's, DaemonSets/Deployments report ready,
  the csi-local-node DaemonSet registers the CSIDriver object, MirrorSubvolumes report Connected;
* test hooks: `server.set_status(...)`, `server.requests` (every write, in order), and the same over HTTP at
  /_test/status and /_test/requests; `server.access_log` (every API request, reads and discovery included, as
  method, path and query: what an RBAC check would see); `server.state.add_fault(method, path_contains, status, count)` answers
  matching requests with an error (409, 5xx...) before they reach the store.

Run it by hand with `python tests/servers/kube_server.py --port 8001 --edge-api current`.
"""

import argparse
import base64
import copy
import json
import re
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import yaml

EDGE_GROUP = "arccontainerstorage.azure.net"

# (group, version, plural, kind, namespaced, has_status)
CORE_RESOURCES = [
    ("", "v1", "namespaces", "Namespace", False, True),
    ("", "v1", "pods", "Pod", True, True),
    ("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", True, True),
    ("", "v1", "persistentvolumes", "PersistentVolume", False, True),
    ("", "v1", "secrets", "Secret", True, False),
    ("", "v1", "configmaps", "ConfigMap", True, False),
    ("", "v1", "serviceaccounts", "ServiceAccount", True, False),
    ("", "v1", "services", "Service", True, True),
    ("", "v1", "events", "Event", True, False),
    ("", "v1", "nodes", "Node", False, True),
    ("apps", "v1", "daemonsets", "DaemonSet", True, True),
    ("apps", "v1", "deployments", "Deployment", True, True),
    ("apps", "v1", "replicasets", "ReplicaSet", True, True),
    ("storage.k8s.io", "v1", "storageclasses", "StorageClass", False, False),
    ("storage.k8s.io", "v1", "csidrivers", "CSIDriver", False, False),
    ("storage.k8s.io", "v1", "csinodes", "CSINode", False, False),
    ("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", False, False),
    ("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", False, False),
    ("rbac.authorization.k8s.io", "v1", "roles", "Role", True, False),
    ("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", True, False),
    ("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration", False, False),
    ("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration", False, False),
    ("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False, True),
]
EDGE_COMMON = [
    (EDGE_GROUP, "v1", "edgestorageconfigurations", "EdgeStorageConfiguration", False, True),
    (EDGE_GROUP, "v1", "edgevolumes", "EdgeVolume", True, True),
]
EDGE_CURRENT = [
    (EDGE_GROUP, "v1", "ingestsubvolumes", "IngestSubvolume", True, True),
    (EDGE_GROUP, "v1", "mirrorsubvolumes", "MirrorSubvolume", True, True),
]
EDGE_LEGACY = [
    (EDGE_GROUP, "v1", "edgesubvolumes", "EdgeSubvolume", True, True),
    (EDGE_GROUP, "v1", "edgeingestpolicies", "EdgeIngestPolicy", True, False),
]
ACSTOR_V1 = [("containerstorage.azure.com", "v1", "storagepools", "StoragePool", True, True)]

EDGE_CLASSES = ("unbacked-sc", "cloud-backed-sc", "unbacked-retain-sc", "cloud-backed-retain-sc")
RETAIN_CLASSES = ("unbacked-retain-sc", "cloud-backed-retain-sc")

# Kubernetes resource quantity suffixes (apimachinery resource.Quantity): binary and decimal SI.
QUANTITY_FACTORS = {"Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "Pi": 2 ** 50, "Ei": 2 ** 60,
                    "k": 10 ** 3, "M": 10 ** 6, "G": 10 ** 9, "T": 10 ** 12, "P": 10 ** 15, "E": 10 ** 18, "": 1}


def parse_quantity(text):
    match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?", str(text))
    if not match:
        raise ValueError("not a quantity: {0!r}".format(text))
    return float(match.group(1)) * QUANTITY_FACTORS[match.group(2) or ""]


class ApiError(Exception):
    def __init__(self, code, reason, message, name=None, kind=None):
        super().__init__(message)
        self.code, self.reason, self.message, self.name, self.kind = code, reason, message, name, kind

    def status(self):
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": self.message,
                "reason": self.reason, "details": {"name": self.name, "kind": self.kind}, "code": self.code}


class Resource:
    def __init__(self, group, version, plural, kind, namespaced, has_status):
        self.group, self.version, self.plural, self.kind = group, version, plural, kind
        self.namespaced, self.has_status = namespaced, has_status

    @property
    def api_version(self):
        return "{0}/{1}".format(self.group, self.version) if self.group else self.version

    def discovery(self):
        entries = [{
            "name": self.plural, "singularName": self.kind.lower(), "namespaced": self.namespaced, "kind": self.kind,
            "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
        }]
        if self.has_status:
            entries.append({"name": self.plural + "/status", "singularName": "", "namespaced": self.namespaced,
                            "kind": self.kind, "verbs": ["get", "patch", "update"]})
        return entries


def merge_patch(target, patch):
    """RFC 7386."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def strategic_merge_patch(target, patch):
    """Approximation: merge patch, named list items merged by name, $-directives ignored."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, list) and value and all(isinstance(i, dict) and "name" in i for i in value) \
                and isinstance(result.get(key), list):
            by_name = dict((item.get("name"), item) for item in result[key] if isinstance(item, dict))
            merged = []
            for item in value:
                if item.get("$patch") == "delete":
                    by_name.pop(item["name"], None)
                    continue
                merged.append(strategic_merge_patch(by_name.pop(item["name"], {}), item))
            result[key] = merged + list(by_name.values()) if key not in ("containers", "initContainers") else merged
        else:
            result[key] = strategic_merge_patch(result.get(key), value)
    return result


def apply_merge(target, applied):
    """Server-side apply approximation: deep merge of maps, lists replaced."""
    if not isinstance(applied, dict) or not isinstance(target, dict):
        return copy.deepcopy(applied)
    result = copy.deepcopy(target)
    for key, value in applied.items():
        result[key] = apply_merge(result.get(key), value)
    return result


def _pointer(path):
    if path == "":
        return []
    return [part.replace("~1", "/").replace("~0", "~") for part in path.lstrip("/").split("/")]


def json_patch(document, operations):
    document = copy.deepcopy(document)

    def parent_of(parts):
        node = document
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node

    def get(parts):
        node = document
        for part in parts:
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node

    def add(parts, value):
        parent = parent_of(parts)
        if isinstance(parent, list):
            parent.insert(len(parent) if parts[-1] == "-" else int(parts[-1]), value)
        else:
            parent[parts[-1]] = value

    def remove(parts):
        parent = parent_of(parts)
        return parent.pop(int(parts[-1])) if isinstance(parent, list) else parent.pop(parts[-1])

    try:
        for op in operations:
            parts = _pointer(op["path"])
            kind = op["op"]
            if kind == "add":
                add(parts, copy.deepcopy(op["value"]))
            elif kind == "remove":
                remove(parts)
            elif kind == "replace":
                remove(parts)
                add(parts, copy.deepcopy(op["value"]))
            elif kind == "test":
                if get(parts) != op["value"]:
                    raise ApiError(422, "Invalid", "json patch test failed at {0}".format(op["path"]))
            elif kind in ("move", "copy"):
                value = get(_pointer(op["from"]))
                if kind == "move":
                    remove(_pointer(op["from"]))
                add(parts, copy.deepcopy(value))
            else:
                raise ApiError(422, "Invalid", "unknown json patch op {0}".format(kind))
    except (KeyError, IndexError, ValueError, TypeError) as error:
        raise ApiError(422, "Invalid", "json patch failed: {0!r}".format(error))
    return document


SELECTOR_TERM = re.compile(r"^\s*(!?)([A-Za-z0-9./_-]+)\s*(?:(==|=|!=)\s*([A-Za-z0-9._-]*)|\s+(in|notin)\s*\(([^)]*)\))?\s*$")


def _split_selector(selector):
    terms, depth, current = [], 0, ""
    for char in selector:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += char
    if current.strip():
        terms.append(current)
    return terms


def selector_matches(selector, values):
    for term in _split_selector(selector or ""):
        match = SELECTOR_TERM.match(term)
        if not match:
            raise ApiError(400, "BadRequest", "unable to parse selector term {0!r}".format(term))
        negate, key, op, value, set_op, set_values = match.groups()
        if op in ("=", "=="):
            ok = values.get(key) == value
        elif op == "!=":
            ok = values.get(key) != value
        elif set_op:
            options = [item.strip() for item in set_values.split(",")]
            ok = (values.get(key) in options) if set_op == "in" else (values.get(key) not in options)
        else:
            ok = (key not in values) if negate else (key in values)
        if not ok:
            return False
    return True


def field_values(obj):
    meta = obj.get("metadata", {})
    values = {"metadata.name": meta.get("name"), "metadata.namespace": meta.get("namespace")}
    if isinstance(obj.get("status"), dict) and "phase" in obj["status"]:
        values["status.phase"] = obj["status"]["phase"]
    if obj.get("type"):
        values["type"] = obj["type"]
    return dict((k, v) for k, v in values.items() if v is not None)


def _varint(data, pos):
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, pos


def _proto_fields(data):
    """(field number, wire type, value) of one protobuf message; length-delimited values stay bytes."""
    pos, fields = 0, []
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            value, pos = data[pos:pos + length], pos + length
        elif wire == 1:
            value, pos = data[pos:pos + 8], pos + 8
        elif wire == 5:
            value, pos = data[pos:pos + 4], pos + 4
        else:
            raise ApiError(400, "BadRequest", "unsupported protobuf wire type {0}".format(wire))
        fields.append((number, wire, value))
    return fields


def _proto_map(entries, binary=False):
    result = {}
    for entry in entries:
        parts = dict((number, value) for number, _wire, value in _proto_fields(entry))
        value = parts.get(2, b"")
        result[parts.get(1, b"").decode("utf-8")] = base64.b64encode(value).decode("ascii") if binary else value.decode("utf-8")
    return result


def _proto_object_meta(data):
    meta, labels, annotations = {}, [], []
    names = {1: "name", 2: "generateName", 3: "namespace", 6: "resourceVersion"}
    for number, _wire, value in _proto_fields(data):
        if number in names:
            meta[names[number]] = value.decode("utf-8")
        elif number == 11:
            labels.append(value)
        elif number == 12:
            annotations.append(value)
    if labels:
        meta["labels"] = _proto_map(labels)
    if annotations:
        meta["annotations"] = _proto_map(annotations)
    return meta


def decode_protobuf(raw):
    """Decode the two kinds helm's storage driver sends as protobuf (Secret, ConfigMap) into JSON-shaped dicts."""
    if not raw.startswith(b"k8s\x00"):
        raise ApiError(400, "BadRequest", "protobuf body without the k8s envelope")
    envelope = dict((number, value) for number, _wire, value in _proto_fields(raw[4:]))
    type_meta = dict((number, value.decode("utf-8")) for number, _wire, value in _proto_fields(envelope.get(1, b"")))
    kind = type_meta.get(2)
    body = {"apiVersion": type_meta.get(1) or "v1", "kind": kind}
    fields = _proto_fields(envelope.get(2, b""))
    if kind == "Secret":
        body["metadata"] = next((_proto_object_meta(v) for n, _w, v in fields if n == 1), {})
        body["data"] = _proto_map([v for n, _w, v in fields if n == 2], binary=True)
        body["type"] = next((v.decode("utf-8") for n, _w, v in fields if n == 3), "Opaque")
    elif kind == "ConfigMap":
        body["metadata"] = next((_proto_object_meta(v) for n, _w, v in fields if n == 1), {})
        body["data"] = _proto_map([v for n, _w, v in fields if n == 2])
    else:
        raise ApiError(415, "UnsupportedMediaType", "this test double decodes protobuf only for Secret and ConfigMap")
    return body


def now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class KubeState:
    """Objects, resource registry and the simulated controllers. All access under self.lock."""

    def __init__(self, edge_api="current", acstor_v1=False, nodes=2, controllers=None, delay=0.0):
        registry = list(CORE_RESOURCES)
        if edge_api in ("current", "legacy", "both"):
            registry += EDGE_COMMON
        if edge_api in ("current", "both"):
            registry += EDGE_CURRENT
        if edge_api in ("legacy", "both"):
            registry += EDGE_LEGACY
        if acstor_v1:
            registry += ACSTOR_V1
        self.resources = [Resource(*entry) for entry in registry]
        self.lock = threading.RLock()
        self.objects = {}
        self.counter = 100
        self.nodes = nodes
        self.delay = delay
        self.controllers = {"pvc": True, "workloads": True, "csidriver": True, "mirror": True}
        self.controllers.update(controllers or {})
        self.pending = []
        self.requests = []
        self.access_log = []
        self.faults = []
        for name in ("default", "kube-system", "kube-public"):
            self._store(self.resource("", "namespaces"), {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})

    def add_fault(self, method, path_contains, status, count=1, reason="InjectedFault"):
        """Answer the next `count` requests whose method matches and whose path contains `path_contains` with
        HTTP `status` (a Kubernetes Status body), before anything is stored. `method` may be "*"."""
        self.faults.append({"method": method.upper(), "path": path_contains, "status": status, "count": count,
                            "reason": reason, "hits": 0})

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
                raise ApiError(400, "BadRequest", "the namespace of the object does not match the namespace on the request")
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        if self._key(resource, meta.get("namespace"), meta["name"]) in self.objects:
            raise ApiError(409, "AlreadyExists", '{0} "{1}" already exists'.format(resource.plural, meta["name"]), meta["name"], resource.plural)
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
            raise ApiError(409, "Conflict", 'Operation cannot be fulfilled on {0} "{1}": the object has been modified; '
                           "please apply your changes to the latest version and try again".format(resource.plural, name), name, resource.plural)
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
        if new.get("spec") != current.get("spec") or (resource.kind in ("StorageClass", "CSIDriver") and new != current):
            new["metadata"]["generation"] = (current["metadata"].get("generation") or 1) + (0 if subresource == "status" else 1)
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
            new = json_patch(current, patch)
        elif content_type == "application/merge-patch+json":
            new = merge_patch(current, patch)
        elif content_type == "application/strategic-merge-patch+json":
            if resource.group == EDGE_GROUP:
                raise ApiError(415, "UnsupportedMediaType", "strategic merge patch is not supported for custom resources")
            new = strategic_merge_patch(current, patch)
        else:
            raise ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format: " + content_type)
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

    # -- simulated controllers ---------------------------------------------------------------
    def later(self, action):
        self.pending.append((time.monotonic() + self.delay, action))

    def run_pending(self):
        due = [item for item in self.pending if item[0] <= time.monotonic()]
        self.pending = [item for item in self.pending if item[0] > time.monotonic()]
        for _due_time, action in due:
            action()

    def set_status(self, api_version, kind, name, status, namespace=None):
        with self.lock:
            resource = self.resource_for_kind(api_version, kind)
            obj = self.objects.get(self._key(resource, namespace, name))
            if obj is None:
                return None
            obj["status"] = merge_patch(obj.get("status") or {}, status)
            obj["metadata"]["resourceVersion"] = self._next_version()
            return copy.deepcopy(obj)

    def _ensure_object(self, api_version, kind, body):
        resource = self.resource_for_kind(api_version, kind)
        meta = body["metadata"]
        if self._key(resource, meta.get("namespace"), meta["name"]) not in self.objects:
            self._store(resource, body)

    def on_write(self, resource, obj):
        meta = obj["metadata"]
        name, namespace = meta["name"], meta.get("namespace")
        if resource.kind == "PersistentVolume" and self.controllers["pvc"]:
            claim = (obj.get("spec") or {}).get("claimRef") or {}
            if (obj.get("status") or {}).get("phase") not in ("Bound", "Released"):
                obj["status"] = {"phase": "Available"}
            if claim.get("name"):
                self.later(lambda: self.bind_static(claim.get("namespace"), claim["name"]))
        elif resource.kind == "PersistentVolumeClaim" and self.controllers["pvc"]:
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
                    self.set_status("v1", "PersistentVolumeClaim", name, {"phase": "Bound", "accessModes": obj["spec"].get("accessModes"),
                                                                          "capacity": (obj["spec"].get("resources") or {}).get("requests")}, namespace)
                    self._ensure_object(EDGE_GROUP + "/v1", "EdgeVolume", {
                        "metadata": {"name": name, "namespace": namespace},
                        "spec": {"requestedSize": ((obj["spec"].get("resources") or {}).get("requests") or {}).get("storage")}})
                    self.set_status(EDGE_GROUP + "/v1", "EdgeVolume", name, {"state": "deployed"}, namespace)
                self.later(bind)
        elif resource.kind == "DaemonSet" and self.controllers["workloads"]:
            def ready_ds():
                self.set_status("apps/v1", "DaemonSet", name, {
                    "desiredNumberScheduled": self.nodes, "currentNumberScheduled": self.nodes, "updatedNumberScheduled": self.nodes,
                    "numberReady": self.nodes, "numberAvailable": self.nodes, "numberMisscheduled": 0,
                    "observedGeneration": meta["generation"]}, namespace)
                if name == "csi-local-node" and self.controllers["csidriver"]:
                    # The real driver pod registers the CSIDriver at startup; Helm never owns it.
                    self._ensure_object("storage.k8s.io/v1", "CSIDriver", {"metadata": {"name": "localdisk.csi.acstor.io"}, "spec": {
                        "attachRequired": False, "podInfoOnMount": True, "storageCapacity": True, "fsGroupPolicy": "File",
                        "volumeLifecycleModes": ["Persistent", "Ephemeral"]}})
            self.later(ready_ds)
        elif resource.kind == "Deployment" and self.controllers["workloads"]:
            replicas = (obj.get("spec") or {}).get("replicas", 1)
            self.later(lambda: self.set_status("apps/v1", "Deployment", name, {
                "replicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas, "updatedReplicas": replicas,
                "observedGeneration": meta["generation"]}, namespace))
        elif resource.kind == "EdgeVolume" and self.controllers["pvc"]:
            # static-retain.md: an EdgeVolume applied by hand shows `state: deployed` once the operator made it.
            if ((obj.get("status") or {}).get("state")) != "deployed":
                self.later(lambda: self.set_status(EDGE_GROUP + "/v1", "EdgeVolume", name, {"state": "deployed"}, namespace))
        elif resource.kind == "MirrorSubvolume" and self.controllers["mirror"]:
            self.later(lambda: self.set_status(EDGE_GROUP + "/v1", "MirrorSubvolume", name, {"backendConnection": "Connected"}, namespace))

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
            volume["spec"]["claimRef"] = {"kind": "PersistentVolumeClaim", "apiVersion": "v1", "namespace": namespace,
                                          "name": claim_name, "uid": claim["metadata"].get("uid"),
                                          "resourceVersion": claim["metadata"].get("resourceVersion")}
            volume["metadata"]["resourceVersion"] = self._next_version()
        self.set_status("v1", "PersistentVolume", volume["metadata"]["name"], {"phase": "Bound"})
        self.set_status("v1", "PersistentVolumeClaim", claim_name, {
            "phase": "Bound", "accessModes": volume["spec"].get("accessModes"), "capacity": volume["spec"]["capacity"]}, namespace)

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


class KubeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "acstor-edge-kube-test-double/1"

    def log_message(self, *args):  # quiet
        pass

    @property
    def state(self):
        return self.server.state

    def _send(self, code, body):
        data = json.dumps(body).encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    def do_PATCH(self):
        self._handle("PATCH")

    def do_DELETE(self):
        self._handle("DELETE")

    def _handle(self, method):
        url = urlsplit(self.path)
        path = url.path
        if path.startswith(self.server.prefix):
            path = path[len(self.server.prefix):] or "/"
        query = dict((key, values[-1]) for key, values in parse_qs(url.query).items())
        raw = self._body()
        if not path.startswith("/_test/"):
            self.state.access_log.append({"method": method, "path": path, "query": query})
        try:
            if method == "DELETE":
                raw = b""  # DeleteOptions (propagation, grace period) mean nothing to this test double
            if raw and "protobuf" in (self.headers.get("Content-Type") or ""):
                # Typed client-go clients (helm's release storage) write protobuf; answers are JSON, which they accept.
                raw = json.dumps(decode_protobuf(raw)).encode("utf-8")
            with self.state.lock:
                fault = self.state.take_fault(method, path)
                if fault:
                    raise ApiError(fault["status"], fault["reason"], "injected HTTP {0}".format(fault["status"]))
                self.state.run_pending()
                code, body = self._route(method, path.rstrip("/") or "/", query, raw)
        except ApiError as error:
            code, body = error.code, error.status()
        except (ValueError, yaml.YAMLError) as error:
            code, body = 400, ApiError(400, "BadRequest", "cannot decode the request body: {0}".format(error)).status()
        self._send(code, body)

    def _route(self, method, path, query, raw):
        state = self.state
        if path.startswith("/_test/"):
            return self._test_hook(method, path, raw)
        if method == "GET" and path == "/version":
            return 200, {"major": "1", "minor": "31", "gitVersion": "v1.31.0-acstor-test-double", "platform": "linux/amd64"}
        if method == "GET" and path == "/api":
            return 200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}
        if method == "GET" and path == "/apis":
            return 200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": group, "versions": [{"groupVersion": group + "/" + v, "version": v} for v in sorted(versions)],
                 "preferredVersion": {"groupVersion": group + "/" + sorted(versions)[0], "version": sorted(versions)[0]}}
                for group, versions in sorted(state.groups().items())]}
        if method == "GET" and path.startswith("/openapi/v3"):
            return self._openapi_v3(path)
        parts = path.strip("/").split("/")
        if parts[0] == "api" and len(parts) >= 2:
            group, version, rest = "", parts[1], parts[2:]
        elif parts[0] == "apis" and len(parts) >= 3:
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if not rest:
            if method != "GET":
                raise ApiError(405, "MethodNotAllowed", "method not allowed")
            served = [r for r in state.resources if r.group == group and r.version == version]
            if not served:
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
            return 200, {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": served[0].api_version,
                         "resources": [entry for r in served for entry in r.discovery()]}
        namespace = None
        if rest[0] == "namespaces" and len(rest) >= 3 and state.resource(group, rest[2]):
            namespace, rest = rest[1], rest[2:]
        resource = state.resource(group, rest[0])
        if resource is None or resource.version != version:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        name = rest[1] if len(rest) > 1 else None
        subresource = rest[2] if len(rest) > 2 else None
        if subresource not in (None, "status") or (subresource == "status" and not resource.has_status):
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        dry_run = query.get("dryRun") == "All"
        if method in ("POST", "PUT", "PATCH", "DELETE") and not dry_run:
            state.requests.append({"method": method, "kind": resource.kind, "namespace": namespace, "name": name,
                                   "subresource": subresource, "content_type": self.headers.get("Content-Type")})
        if method == "GET" and name is None:
            if query.get("watch") in ("true", "1"):
                raise ApiError(405, "MethodNotAllowed", "watch is not supported by this test double")
            items = state.list(resource, namespace, query.get("labelSelector"), query.get("fieldSelector"))
            return 200, {"kind": resource.kind + "List", "apiVersion": resource.api_version,
                         "metadata": {"resourceVersion": str(state.counter)}, "items": items}
        if method == "GET":
            return 200, copy.deepcopy(state.get(resource, namespace, name))
        if method == "POST" and name is None:
            return 201, state.create(resource, namespace, json.loads(raw or b"{}"), dry_run)
        if method == "PUT" and name:
            return 200, state.replace(resource, namespace, name, json.loads(raw or b"{}"), subresource, dry_run)
        if method == "PATCH" and name:
            existed = state._key(resource, namespace, name) in state.objects
            result = state.patch(resource, namespace, name, self.headers.get("Content-Type"), raw, subresource, dry_run)
            return (200 if existed else 201), result
        if method == "DELETE" and name:
            return 200, state.delete(resource, namespace, name, dry_run)
        raise ApiError(405, "MethodNotAllowed", "method not allowed")

    def _openapi_v3(self, path):
        """Just enough OpenAPI v3 for client-go (helm) to see that PATCH takes fieldValidation, so it leaves
        validation to the server instead of downloading the OpenAPI v2 protobuf document, which is not served."""
        state = self.state
        group_versions = sorted(set((r.group, r.version) for r in state.resources))
        if path == "/openapi/v3":
            return 200, {"paths": dict(
                (("apis/{0}/{1}".format(g, v) if g else "api/" + v), {"serverRelativeURL": "/openapi/v3/" + ("apis/{0}/{1}".format(g, v) if g else "api/" + v)})
                for g, v in group_versions)}
        wanted = path[len("/openapi/v3/"):]
        paths = {}
        for r in state.resources:
            prefix = "apis/{0}/{1}".format(r.group, r.version) if r.group else "api/" + r.version
            if prefix != wanted:
                continue
            item = "/{0}/{1}{2}/{{name}}".format(prefix, "namespaces/{namespace}/" if r.namespaced else "", r.plural)
            paths[item] = {"patch": {
                "x-kubernetes-group-version-kind": {"group": r.group, "version": r.version, "kind": r.kind},
                "parameters": [{"name": "fieldValidation", "in": "query", "schema": {"type": "string"}}],
                "responses": {"200": {"description": "OK"}}}}
        if not paths:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        return 200, {"openapi": "3.0.0", "info": {"title": "Kubernetes test double", "version": "v1.31.0"}, "paths": paths}

    def _test_hook(self, method, path, raw):
        state = self.state
        if path == "/_test/requests" and method == "GET":
            return 200, {"requests": state.requests}
        if path == "/_test/requests" and method == "DELETE":
            state.requests = []
            return 200, {}
        if path == "/_test/status" and method == "POST":
            body = json.loads(raw)
            obj = state.set_status(body["apiVersion"], body["kind"], body["name"], body["status"], body.get("namespace"))
            return (200, obj) if obj else (404, {"message": "no such object"})
        raise ApiError(404, "NotFound", "unknown test hook " + path)


class KubeTestServer:
    """Start with `with KubeTestServer(edge_api="legacy") as server:`; server.url is http://127.0.0.1:<port>/test-double-<id>."""

    def __init__(self, port=0, **state_options):
        self.state = KubeState(**state_options)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), KubeHandler)
        self.httpd.daemon_threads = True
        self.httpd.state = self.state
        # A path of its own in the URL: Kubernetes clients cache API discovery per server URL (k8srcp-*.json in
        # the temp dir), and a later test double on a reused port would otherwise inherit another one's resources.
        self.httpd.prefix = "/test-double-" + uuid.uuid4().hex[:12]
        self.thread = None

    @property
    def url(self):
        return "http://127.0.0.1:{0}{1}".format(self.httpd.server_address[1], self.httpd.prefix)

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # conveniences for tests
    @property
    def requests(self):
        return self.state.requests

    @property
    def access_log(self):
        return self.state.access_log

    def writes(self, methods=("POST", "PUT", "PATCH", "DELETE")):
        return [r for r in self.state.requests if r["method"] in methods]

    def add(self, body):
        with self.state.lock:
            resource = self.state.resource_for_kind(body["apiVersion"], body["kind"])
            status = body.get("status")
            obj = self.state.create(resource, body["metadata"].get("namespace"), body)
            if status is not None:
                obj = self.state.set_status(body["apiVersion"], body["kind"], obj["metadata"]["name"], status, obj["metadata"].get("namespace"))
            return obj

    def find(self, api_version, kind, name, namespace=None):
        return self.state.find(api_version, kind, name, namespace)

    def set_status(self, api_version, kind, name, status, namespace=None):
        return self.state.set_status(api_version, kind, name, status, namespace)

    def kubeconfig(self, path):
        config = {
            "apiVersion": "v1", "kind": "Config", "current-context": "test-double",
            "clusters": [{"name": "test-double", "cluster": {"server": self.url}}],
            "users": [{"name": "tester", "user": {"token": "test-double-token"}}],
            "contexts": [{"name": "test-double", "context": {"cluster": "test-double", "user": "tester"}}],
        }
        with open(str(path), "w") as handle:
            yaml.safe_dump(config, handle)
        return str(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--edge-api", choices=["current", "legacy", "both", "none"], default="current")
    parser.add_argument("--acstor-v1", action="store_true", help="also serve containerstorage.azure.com/v1 StoragePool")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before simulated controllers act")
    args = parser.parse_args()
    server = KubeTestServer(args.port, edge_api=args.edge_api, acstor_v1=args.acstor_v1, delay=args.delay)
    print("kube test double listening on {0} (Ctrl-C to stop)".format(server.url), flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
