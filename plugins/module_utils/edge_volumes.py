# -*- coding: utf-8 -*-
# Copyright: (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Edge Volumes (Azure Container Storage enabled by Azure Arc) custom resources: validate, render, plan.

Pure functions only: nothing here talks to a cluster. Field names and allowed values are the ones
the Microsoft Learn pages document for arccontainerstorage.azure.net/v1 (no public CRD schema exists).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import uuid

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, kept for the sanity import test
    urlsplit = None

GROUP = "arccontainerstorage.azure.net"
API_VERSION = GROUP + "/v1"

KIND_CONFIGURATION = "EdgeStorageConfiguration"
KIND_EDGE_VOLUME = "EdgeVolume"
KIND_INGEST = "IngestSubvolume"
KIND_MIRROR = "MirrorSubvolume"
KIND_LEGACY_SUBVOLUME = "EdgeSubvolume"
KIND_LEGACY_POLICY = "EdgeIngestPolicy"

API_CURRENT = "current"
API_LEGACY = "legacy"
# Release notes: 2.8.2 introduced IngestSubvolume/MirrorSubvolume; EdgeSubvolume was <= 2.7.
CURRENT_KINDS_SINCE = (2, 8, 2)

DEFAULT_CONFIGURATION_NAME = "edge-storage-configuration"
LEGACY_DEFAULT_POLICY = "edgeingestpolicy-default"
LOCAL_SHARED_STORAGE_CLASS = "unbacked-sc"
CLOUD_STORAGE_CLASS = "cloud-backed-sc"
CLOUD_STORAGE_CLASSES = ("cloud-backed-sc", "cloud-backed-retain-sc")

AUTH_TYPES = ("MANAGED_IDENTITY", "WORKLOAD_IDENTITY")
INGEST_ORDERS = ("oldest-first", "newest-first")
EVICTION_ORDERS = ("unordered", "never")
ON_DELETE_ACTIONS = ("trigger-immediate-ingest", "abandon")
INDEX_TAGS_MODES = ("NoIndexTags", "MirrorIndexTags")
SCHEDULE_KEYWORDS = ("@annually", "@yearly", "@monthly", "@weekly", "@daily", "@hourly", "never")
SUBVOLUME_TYPES = ("ingest", "mirror")
# howto-configure-cloud-ingest-subvolumes: minDelaySec "between 0 and 31536000" (one year).
MAX_DELAY_SEC = 31536000

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z")
BLOB_CONTAINER = re.compile(r"^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]\Z")
ONELAKE_CONTAINER = re.compile(r"^[^/\s]+/[^/\s]+/Files(/[^\s]*)?\Z")
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
CRON_FIELD = re.compile(r"^[0-9*/,\-A-Za-z?]+\Z")
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?\Z")


class EdgeVolumesError(Exception):
    """Invalid input or an unusable cluster state; the message names what is wrong."""


def _field_error(owner, field, problem):
    return "{0}: {1} {2}".format(owner, field, problem)


def check_name(owner, field, value, errors, max_length=63):
    """Names: "Use only lowercase letters and dashes" (Edge Volumes docs); digits are valid DNS-1123 too."""
    if not isinstance(value, str) or not value:
        errors.append(_field_error(owner, field, "is required"))
    elif len(value) > max_length or not DNS_LABEL.match(value):
        errors.append(_field_error(
            owner, field, "must be lowercase letters, digits and dashes, start and end alphanumeric, "
            "at most {0} characters (got {1!r})".format(max_length, value)))


def check_choice(owner, field, value, choices, errors):
    if value is not None and value not in choices:
        errors.append(_field_error(owner, field, "must be one of {0} (got {1!r})".format(", ".join(choices), value)))


def check_delay(owner, field, value, errors):
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value), 10)
        except ValueError:
            errors.append(_field_error(owner, field, "must be an integer number of seconds (got {0!r})".format(value)))
            return
    if not 0 <= value <= MAX_DELAY_SEC:
        errors.append(_field_error(owner, field, "must be between 0 and {0} seconds (got {1})".format(MAX_DELAY_SEC, value)))


def check_subvolume_path(owner, value, errors):
    if not isinstance(value, str) or not value.strip():
        errors.append(_field_error(owner, "path", "is required"))
        return
    if value.startswith("/"):
        errors.append(_field_error(owner, "path", "must not start with a slash; it is relative to the volume (got {0!r})".format(value)))
    elif any(part in ("", ".", "..") for part in value.rstrip("/").split("/")):
        errors.append(_field_error(owner, "path", "must be a plain relative directory without '.', '..' or '//' (got {0!r})".format(value)))
    elif re.search(r"\s", value):
        errors.append(_field_error(owner, "path", "must not contain whitespace (got {0!r})".format(value)))


def is_onelake_endpoint(endpoint):
    host = (urlsplit(endpoint).hostname or "") if isinstance(endpoint, str) else ""
    return host.endswith(".fabric.microsoft.com")


def check_endpoint(owner, field, value, errors):
    """Blob/ADLS endpoints look like https://<account>.blob.core.windows.net/ ; OneLake like https://<x>.dfs.fabric.microsoft.com."""
    if not isinstance(value, str) or not value:
        errors.append(_field_error(owner, field, "is required"))
        return
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        errors.append(_field_error(owner, field, "must be an https URL such as https://<account>.blob.core.windows.net/ (got {0!r})".format(value)))
    elif parts.path not in ("", "/") or parts.query or parts.fragment:
        errors.append(_field_error(owner, field, "must be the account endpoint only, without container, path or query (got {0!r})".format(value)))
    elif parts.netloc.rsplit("@", 1)[-1].split(":")[0] != parts.hostname or "." not in parts.hostname:
        errors.append(_field_error(owner, field, "must have a lowercase fully qualified host name (got {0!r})".format(value)))


def check_container(owner, field, value, endpoint, errors):
    if not isinstance(value, str) or not value:
        errors.append(_field_error(owner, field, "is required"))
    elif is_onelake_endpoint(endpoint):
        if not ONELAKE_CONTAINER.match(value):
            errors.append(_field_error(owner, field, "for OneLake must look like <workspace>/<lake>.Datalake/Files (got {0!r})".format(value)))
    elif not BLOB_CONTAINER.match(value):
        errors.append(_field_error(
            owner, field, "must be a blob container name: 3-63 lowercase letters, digits and single dashes (got {0!r})".format(value)))


def check_schedule(owner, value, errors):
    if value is None or value in SCHEDULE_KEYWORDS:
        return
    fields = value.split() if isinstance(value, str) else []
    if len(fields) != 5 or not all(CRON_FIELD.match(item) for item in fields):
        errors.append(_field_error(
            owner, "schedule", "must be one of {0} or a five-field cron expression (got {1!r})".format(", ".join(SCHEDULE_KEYWORDS), value)))


def parse_extension_version(text):
    """'2.8.2' or '2.7.1-preview' -> (2, 8, 2); None when it is not a version."""
    match = re.match(r"^v?(\d+)\.(\d+)(?:\.(\d+))?", str(text or "").strip())
    if not match:
        return None
    return tuple(int(part or 0) for part in match.groups())


def api_for_extension_version(text):
    version = parse_extension_version(text)
    if version is None:
        raise EdgeVolumesError("extension_version {0!r} is not a version such as 2.8.2".format(text))
    return API_CURRENT if version >= CURRENT_KINDS_SINCE else API_LEGACY


def choose_api(requested, served_kinds, extension_version=None):
    """Pick the subvolume kinds to use: 'current' (IngestSubvolume/MirrorSubvolume) or 'legacy' (EdgeSubvolume)."""
    if requested in (API_CURRENT, API_LEGACY):
        chosen = requested
    elif extension_version:
        chosen = api_for_extension_version(extension_version)
    elif KIND_INGEST in served_kinds or KIND_MIRROR in served_kinds:
        chosen = API_CURRENT
    elif KIND_LEGACY_SUBVOLUME in served_kinds:
        chosen = API_LEGACY
    else:
        raise EdgeVolumesError(missing_crd_message(KIND_INGEST + " or " + KIND_LEGACY_SUBVOLUME))
    needed = KIND_INGEST if chosen == API_CURRENT else KIND_LEGACY_SUBVOLUME
    if needed not in served_kinds:
        raise EdgeVolumesError(
            "api {0} needs kind {1}, which the cluster does not serve (it serves: {2}). {3}".format(
                chosen, needed, ", ".join(sorted(served_kinds)) or "no " + API_VERSION + " kinds",
                "Kinds IngestSubvolume/MirrorSubvolume exist from extension 2.8.2, EdgeSubvolume up to 2.7; use api: auto."))
    return chosen


def missing_crd_message(kind):
    return ("the cluster does not serve {0} ({1}): the Azure Container Storage enabled by Azure Arc extension "
            "(microsoft.arc.containerstorage) is not installed, or not yet configured (its CRDs appear once the "
            "extension is running; see the acstor.edge.arc_extension role)".format(kind, API_VERSION))


class SubvolumeSpec(object):
    """The desired state of one ingest or mirror subvolume, from module parameters."""

    FIELDS = ("name", "namespace", "type", "pvc", "edge_volume", "path", "auth_type", "endpoint", "container",
              "ingest_order", "ingest_min_delay_sec", "eviction_order", "eviction_min_delay_sec", "on_delete",
              "index_tags_mode", "blob_name_prefix", "schedule", "ingest_policy")

    def __init__(self, **values):
        for field in self.FIELDS:
            setattr(self, field, values.get(field))
        if not self.edge_volume:
            self.edge_volume = self.pvc
        if self.namespace is None:
            self.namespace = "default"

    @property
    def label(self):
        return "subvolume {0}".format(self.name if self.name else "(unnamed)")

    def as_dict(self):
        return dict((field, getattr(self, field)) for field in self.FIELDS)


INGEST_ONLY_FIELDS = ("ingest_order", "ingest_min_delay_sec", "eviction_order", "eviction_min_delay_sec", "on_delete", "ingest_policy")
MIRROR_ONLY_FIELDS = ("index_tags_mode", "blob_name_prefix", "schedule")


def validate_subvolume(spec, owner=None):
    """Every field error as a list of messages ('<owner>: <field> <problem>'); empty when valid."""
    owner = owner or spec.label
    errors = []
    check_name(owner, "name", spec.name, errors)
    check_name(owner, "namespace", spec.namespace, errors)
    check_name(owner, "pvc", spec.pvc, errors, max_length=253)
    if spec.edge_volume != spec.pvc:
        check_name(owner, "edge_volume", spec.edge_volume, errors, max_length=253)
    if spec.type not in SUBVOLUME_TYPES:
        errors.append(_field_error(owner, "type", "must be one of {0} (got {1!r})".format(", ".join(SUBVOLUME_TYPES), spec.type)))
    check_subvolume_path(owner, spec.path, errors)
    check_choice(owner, "auth_type", spec.auth_type, AUTH_TYPES, errors)
    check_endpoint(owner, "endpoint", spec.endpoint, errors)
    check_container(owner, "container", spec.container, spec.endpoint, errors)
    if spec.type == "ingest":
        check_choice(owner, "ingest_order", spec.ingest_order, INGEST_ORDERS, errors)
        check_delay(owner, "ingest_min_delay_sec", spec.ingest_min_delay_sec, errors)
        check_choice(owner, "eviction_order", spec.eviction_order, EVICTION_ORDERS, errors)
        check_delay(owner, "eviction_min_delay_sec", spec.eviction_min_delay_sec, errors)
        check_choice(owner, "on_delete", spec.on_delete, ON_DELETE_ACTIONS, errors)
        if spec.ingest_policy is not None:
            check_name(owner, "ingest_policy", spec.ingest_policy, errors)
        for field in MIRROR_ONLY_FIELDS:
            if getattr(spec, field) not in (None, ""):
                errors.append(_field_error(owner, field, "applies to mirror subvolumes only (type is ingest)"))
    elif spec.type == "mirror":
        check_choice(owner, "index_tags_mode", spec.index_tags_mode, INDEX_TAGS_MODES, errors)
        check_schedule(owner, spec.schedule, errors)
        if spec.blob_name_prefix is not None and (not isinstance(spec.blob_name_prefix, str) or spec.blob_name_prefix.startswith("/")):
            errors.append(_field_error(owner, "blob_name_prefix",
                                       "must be a blob name prefix without a leading slash (got {0!r})".format(spec.blob_name_prefix)))
        for field in INGEST_ONLY_FIELDS:
            if getattr(spec, field) is not None:
                errors.append(_field_error(owner, field, "applies to ingest subvolumes only (type is mirror)"))
    return errors


def validate_subvolume_for_api(spec, api, owner=None):
    owner = owner or spec.label
    errors = []
    if api == API_LEGACY:
        if spec.type == "mirror":
            errors.append(_field_error(owner, "type", "mirror needs the MirrorSubvolume kind (extension >= 2.8.2); the cluster uses EdgeSubvolume"))
        if spec.on_delete is not None:
            errors.append(_field_error(owner, "on_delete", "is not supported by the legacy EdgeSubvolume kind (extension <= 2.7)"))
    elif spec.ingest_policy is not None:
        errors.append(_field_error(owner, "ingest_policy", "applies to the legacy EdgeSubvolume kind only; set ingest_order/eviction_order instead"))
    return errors


def _int_or_none(value):
    return None if value is None else int(value)


def _compact(mapping):
    """Drop keys whose value is None or an empty dict, recursively: unset fields stay the extension's."""
    result = {}
    for key, value in mapping.items():
        if isinstance(value, dict):
            value = _compact(value)
            if not value:
                continue
        if value is None:
            continue
        result[key] = value
    return result


def legacy_policy_name(spec):
    if spec.ingest_policy:
        return spec.ingest_policy
    if any(getattr(spec, f) is not None for f in ("ingest_order", "ingest_min_delay_sec", "eviction_order", "eviction_min_delay_sec")):
        return "{0}-policy".format(spec.name)
    return LEGACY_DEFAULT_POLICY


def render_subvolume(spec, api, oneshot=None):
    """The objects (in creation order) that implement `spec` on the chosen API generation."""
    metadata = {"name": spec.name, "namespace": spec.namespace}
    ingest = {"order": spec.ingest_order, "minDelaySec": _int_or_none(spec.ingest_min_delay_sec)}
    eviction = {"order": spec.eviction_order, "minDelaySec": _int_or_none(spec.eviction_min_delay_sec)}
    if api == API_LEGACY:
        objects = []
        policy = legacy_policy_name(spec)
        if policy != LEGACY_DEFAULT_POLICY and not spec.ingest_policy:
            objects.append({
                "apiVersion": API_VERSION, "kind": KIND_LEGACY_POLICY,
                "metadata": {"name": policy, "namespace": spec.namespace},
                "spec": _compact({"ingest": ingest, "eviction": eviction}),
            })
        objects.append({
            "apiVersion": API_VERSION, "kind": KIND_LEGACY_SUBVOLUME, "metadata": metadata,
            "spec": _compact({
                "edgevolume": spec.edge_volume, "path": spec.path, "subvolumeType": "INGEST",
                "auth": {"authType": spec.auth_type}, "storageaccountendpoint": spec.endpoint,
                "container": spec.container, "ingestPolicy": policy,
            }),
        })
        return objects
    if spec.type == "ingest":
        return [{
            "apiVersion": API_VERSION, "kind": KIND_INGEST, "metadata": metadata,
            "spec": _compact({
                "edgevolume": spec.edge_volume, "path": spec.path, "authentication": {"authType": spec.auth_type},
                "storageAccountEndpoint": spec.endpoint, "containerName": spec.container,
                "ingest": ingest, "eviction": eviction,
                # The safe choice when unset: flush dirty files instead of dropping them.
                "onDelete": spec.on_delete or "trigger-immediate-ingest",
            }),
        }]
    return [{
        "apiVersion": API_VERSION, "kind": KIND_MIRROR, "metadata": metadata,
        "spec": _compact({
            "edgevolume": spec.edge_volume, "path": spec.path, "authentication": {"authType": spec.auth_type},
            "blobAccount": {"accountEndpoint": spec.endpoint, "containerName": spec.container, "indexTagsMode": spec.index_tags_mode},
            "blobFiltering": {"blobNamePrefix": spec.blob_name_prefix or None},
            "schedule": {"frequency": spec.schedule, "oneshot": oneshot},
        }),
    }]


def new_oneshot():
    """A fresh UUID for MirrorSubvolume spec.schedule.oneshot: any new value triggers one immediate sync."""
    return str(uuid.uuid4())


def owned_difference(desired, current):
    """Fields of `desired` (recursively) whose value differs in `current`: {dotted.path: (current, desired)}."""
    differences = {}

    def walk(want, have, prefix):
        for key, value in want.items():
            path = prefix + key
            present = have.get(key) if isinstance(have, dict) else None
            if isinstance(value, dict):
                walk(value, present if isinstance(present, dict) else {}, path + ".")
            elif present != value:
                differences[path] = (present, value)

    walk(desired, current or {}, "")
    return differences


def owned_view(desired, current):
    """`current` restricted to the keys that `desired` sets (for a diff that shows only our fields)."""
    if not isinstance(desired, dict):
        return current
    view = {}
    for key, value in desired.items():
        if isinstance(current, dict) and key in current:
            view[key] = owned_view(value, current[key]) if isinstance(value, dict) else current[key]
    return view


def plan_object(desired, current):
    """('create'|'update'|'none', patch or body). The patch is a JSON merge patch of the owned spec fields."""
    if current is None:
        return "create", desired
    differences = owned_difference(desired.get("spec", {}), current.get("spec", {}))
    if not differences:
        return "none", None
    return "update", {"spec": desired.get("spec", {})}


# ---------------------------------------------------------------------------------------------
# EdgeStorageConfiguration

def validate_configuration(name, default_disk_storage_classes, workload_identity):
    owner = "EdgeStorageConfiguration {0}".format(name or "(unnamed)")
    errors = []
    check_name(owner, "name", name, errors, max_length=253)
    if default_disk_storage_classes is not None:
        if not isinstance(default_disk_storage_classes, list) or not default_disk_storage_classes:
            errors.append(_field_error(owner, "default_disk_storage_classes", "must be a non-empty list of StorageClass names"))
        else:
            for index, item in enumerate(default_disk_storage_classes):
                if not isinstance(item, str) or not DNS_SUBDOMAIN.match(item) or len(item) > 253:
                    errors.append(_field_error(owner, "default_disk_storage_classes[{0}]".format(index),
                                               "must be a StorageClass name (got {0!r})".format(item)))
    if workload_identity:
        for field in ("client_id", "tenant_id"):
            value = workload_identity.get(field)
            if not isinstance(value, str) or not GUID.match(value):
                errors.append(_field_error(owner, "workload_identity." + field, "must be a GUID (got {0!r})".format(value)))
    return errors


def render_configuration(name, default_disk_storage_classes, workload_identity):
    spec = {}
    if default_disk_storage_classes is not None:
        spec["defaultDiskStorageClasses"] = list(default_disk_storage_classes)
    if workload_identity:
        spec["workloadIdentity"] = {"clientID": workload_identity["client_id"], "tenantID": workload_identity["tenant_id"]}
    return {"apiVersion": API_VERSION, "kind": KIND_CONFIGURATION, "metadata": {"name": name}, "spec": spec}


def helm_owner(obj):
    """(release name, namespace) when Helm (e.g. the Arc extension's release) created the object, else None."""
    annotations = ((obj or {}).get("metadata") or {}).get("annotations") or {}
    release = annotations.get("meta.helm.sh/release-name")
    if release:
        return release, annotations.get("meta.helm.sh/release-namespace")
    return None


# ---------------------------------------------------------------------------------------------
# The edge_volumes role's volume list

VOLUME_KINDS = ("local_shared", "cloud")


def _volume_owner(index, volume):
    name = volume.get("name") if isinstance(volume, dict) else None
    return "volume {0}".format(name) if name else "volume #{0}".format(index)


# static-retain.md: the Retain variants of the two classes (a deleted PVC keeps its PV and EdgeVolume).
RETAIN_STORAGE_CLASS = {LOCAL_SHARED_STORAGE_CLASS: "unbacked-retain-sc", CLOUD_STORAGE_CLASS: "cloud-backed-retain-sc"}
LOCAL_SHARED_CLASSES = (LOCAL_SHARED_STORAGE_CLASS, "unbacked-retain-sc")


# release-notes.md: 2.9.0 removed the static retain storage classes, 2.9.1 added them back, 2.11.2 fixed them.
RETAIN_CLASSES_SINCE = (2, 11, 2)


def retain_version_error(owner, storage_class, extension_version):
    """Error when the extension version is known and has no (working) retain classes; None otherwise."""
    if not extension_version:
        return None
    version = parse_extension_version(extension_version)
    if version is None:
        return "{0}: extension_version {1!r} is not a version such as 2.11.2".format(owner, extension_version)
    if version < RETAIN_CLASSES_SINCE:
        return ("{0}: storage class {1} needs extension version {2} or later (removed in 2.9.0, back in 2.9.1, fixed in "
                "2.11.2); this cluster's extension is {3}".format(
                    owner, storage_class, ".".join(str(x) for x in RETAIN_CLASSES_SINCE), extension_version))
    return None


def normalize_volume_list(volumes, default_namespace="default", extension_version=None):
    """Validate the role's whole list; return (pvcs, subvolume_specs, errors). Nothing is partial: check errors first.

    `retain: true` puts a volume on the retain variant of its class, refused when `extension_version` is known and
    older than the versions that have them.
    """
    errors = []
    pvcs = []
    subvolumes = []
    if not isinstance(volumes, list):
        return [], [], ["edge_volumes_list: must be a list of volumes (got {0})".format(type(volumes).__name__)]
    seen = set()
    for index, volume in enumerate(volumes):
        owner = _volume_owner(index, volume)
        if not isinstance(volume, dict):
            errors.append("{0}: must be a mapping".format(owner))
            continue
        unknown = sorted(set(volume) - {"name", "namespace", "kind", "size", "access_modes", "labels", "subvolumes", "retain"})
        if unknown:
            errors.append(_field_error(owner, ", ".join(unknown), "unknown field(s)"))
        name = volume.get("name")
        namespace = volume.get("namespace") or default_namespace
        kind = volume.get("kind", "local_shared")
        check_name(owner, "name", name, errors, max_length=253)
        check_name(owner, "namespace", namespace, errors)
        check_choice(owner, "kind", kind, VOLUME_KINDS, errors)
        size = volume.get("size")
        if not isinstance(size, str) or not QUANTITY.match(size):
            errors.append(_field_error(owner, "size", "must be a Kubernetes quantity such as 2Gi (got {0!r})".format(size)))
        access_modes = volume.get("access_modes", ["ReadWriteMany"])
        if not isinstance(access_modes, list) or not access_modes or any(
                mode not in ("ReadWriteMany", "ReadWriteOnce", "ReadOnlyMany", "ReadWriteOncePod") for mode in access_modes):
            errors.append(_field_error(owner, "access_modes", "must be a list of Kubernetes access modes (got {0!r})".format(access_modes)))
        key = (namespace, name)
        if key in seen:
            errors.append(_field_error(owner, "name", "is listed twice in namespace {0}".format(namespace)))
        seen.add(key)
        storage_class = CLOUD_STORAGE_CLASS if kind == "cloud" else LOCAL_SHARED_STORAGE_CLASS
        retain = volume.get("retain", False)
        if not isinstance(retain, bool):
            errors.append(_field_error(owner, "retain", "must be true or false (got {0!r})".format(retain)))
        elif retain:
            storage_class = RETAIN_STORAGE_CLASS[storage_class]
            version_error = retain_version_error(owner, storage_class, extension_version)
            if version_error:
                errors.append(version_error)
        pvcs.append({
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": _compact({"name": name, "namespace": namespace, "labels": volume.get("labels") or None}),
            "spec": {"accessModes": list(access_modes) if isinstance(access_modes, list) else access_modes,
                     "resources": {"requests": {"storage": size}}, "storageClassName": storage_class},
        })
        subvolume_list = volume.get("subvolumes") or []
        if subvolume_list and kind != "cloud":
            errors.append(_field_error(owner, "subvolumes", "need kind: cloud (a cloud-backed-sc volume); this volume is {0}".format(kind)))
            continue
        if not isinstance(subvolume_list, list):
            errors.append(_field_error(owner, "subvolumes", "must be a list"))
            continue
        for sub_index, item in enumerate(subvolume_list):
            sub_owner = "{0} subvolume {1}".format(owner, item.get("name") if isinstance(item, dict) and item.get("name") else "#{0}".format(sub_index))
            if not isinstance(item, dict):
                errors.append("{0}: must be a mapping".format(sub_owner))
                continue
            unknown = sorted(set(item) - set(SubvolumeSpec.FIELDS) - {"resync", "api", "allow_data_loss"} - {"pvc", "namespace"})
            if unknown:
                errors.append(_field_error(sub_owner, ", ".join(unknown), "unknown field(s)"))
            values = dict(item)
            values.update({"pvc": name, "namespace": namespace})
            values.setdefault("auth_type", "MANAGED_IDENTITY")
            spec = SubvolumeSpec(**values)
            errors.extend(validate_subvolume(spec, owner=sub_owner))
            module_args = dict((k, v) for k, v in values.items() if v is not None)
            subvolumes.append(module_args)
    # Local shared volumes first, then cloud volumes: the documented order of creation.
    pvcs.sort(key=lambda pvc: 0 if pvc["spec"]["storageClassName"] in LOCAL_SHARED_CLASSES else 1)
    return pvcs, subvolumes, errors


def pods_mounting(pods, namespace, claim_names):
    """{claim: [pod names]} for pods in `namespace` that are not finished and mount one of `claim_names`."""
    users = {}
    for pod in pods or []:
        metadata = pod.get("metadata") or {}
        if metadata.get("namespace", namespace) != namespace:
            continue
        phase = (pod.get("status") or {}).get("phase")
        if phase in ("Succeeded", "Failed"):
            continue
        for volume in (pod.get("spec") or {}).get("volumes") or []:
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            if claim in claim_names:
                users.setdefault(claim, []).append(metadata.get("name"))
    return users
