# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Edge Volumes (Azure Container Storage enabled by Azure Arc) custom resources: validate, render, plan.

Pure functions only: nothing here talks to a cluster. Field names and allowed values are the ones
the Microsoft Learn pages document for arccontainerstorage.azure.net/v1 (no public CRD schema exists).
"""

import re
import uuid

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, kept for the sanity import test
    urlsplit = None

from ansible_collections.acstor.edge.plugins.module_utils.common import inputs as common
from ansible_collections.acstor.edge.plugins.module_utils.common.errors import AcstorError
from ansible_collections.acstor.edge.plugins.module_utils.k8s import inputs as k8s
from ansible_collections.acstor.edge.plugins.module_utils.k8s.objects import holds
from ansible_collections.acstor.edge.plugins.module_utils.node import inputs as rules

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
# The label the edge_volumes role puts on every PVC and subvolume it applies (the collection's Kubernetes ownership
# label, as csi_driver's pull Secret carries acstor.edge/owned-by=csi_driver): prune removes only what carries it.
OWNER_LABEL_KEY = "acstor.edge/owned-by"
OWNER_LABEL_VALUE = "edge_volumes"
OWNER_LABELS = {OWNER_LABEL_KEY: OWNER_LABEL_VALUE}
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

# Azure Storage naming rules (learn.microsoft.com/rest/api/storageservices/naming-and-referencing-containers--blobs--
# and-metadata): containers are 3-63 lower-case letters, digits and single dashes, starting and ending with a letter or
# digit; blob names are at most 1024 characters.
BLOB_CONTAINER = re.compile(r"(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
MAX_BLOB_NAME = 1024
# OneLake paths: <workspace>/<item>/Files[/...] (howto-configure-cloud-ingest-subvolumes, OneLake section).
ONELAKE_CONTAINER = re.compile(r"[^/\s]+/[^/\s]+/Files(?:/\S*)?")
VOLUME_FIELDS = ("name", "namespace", "kind", "size", "access_modes", "labels", "subvolumes", "retain")
SUBVOLUME_EXTRA_FIELDS = ("resync", "api", "allow_data_loss")
# Used by edge_static_volumes (issue 15) only, until its checks move onto k8s_inputs' rules.
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?\Z")


class EdgeVolumesError(AcstorError):
    """Invalid input or an unusable cluster state; the message names what is wrong."""


@common.rule("subvolume-path", "a relative directory in the volume, without '.', '..', '//' or white space")
@rules.one_line
def subvolume_path(value):
    if value.startswith("/"):
        return "%r must not start with a slash; it is relative to the volume" % (value,)
    if any(part in ("", ".", "..") for part in value.rstrip("/").split("/")):
        return "%r must be a plain relative directory without '.', '..' or '//'" % (value,)
    if re.search(r"\s", value):
        return "%r must not contain white space" % (value,)
    return None


@common.rule("delay-seconds", "a whole number of seconds from 0 to 31536000")
def delay_seconds(value):
    """howto-configure-cloud-ingest-subvolumes: minDelaySec is "between 0 and 31536000" (one year)."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]+", value):
        value = int(value)  # the role's templated values arrive as text
    if isinstance(value, bool) or not isinstance(value, int):
        return "must be a whole number of seconds, got %r" % (value,)
    if not 0 <= value <= MAX_DELAY_SEC:
        return "must be between 0 and %d seconds, got %d" % (MAX_DELAY_SEC, value)
    return None


def is_onelake_endpoint(endpoint):
    host = (urlsplit(endpoint).hostname or "") if isinstance(endpoint, str) else ""
    return host.endswith(".fabric.microsoft.com")


@common.rule("storage-endpoint", "an account endpoint such as https://<account>.blob.core.windows.net/")
def storage_endpoint(value):
    """Blob/ADLS: https://<account>.blob.core.windows.net/ ; OneLake: https://<x>.dfs.fabric.microsoft.com."""
    reason = common.https_url(value)
    if reason:
        return reason
    parts = urlsplit(value)
    if parts.path not in ("", "/"):
        return "%r must be the account endpoint only, without container or path" % (value,)
    if parts.netloc.rsplit(":", 1)[0] != parts.hostname or "." not in parts.hostname:
        return "%r must have a lowercase fully qualified host name" % (value,)
    return None


def check_container(errors, option, value, endpoint):
    if not rules.check(errors, option, value, rules.single_line):
        return
    if is_onelake_endpoint(endpoint):
        if not ONELAKE_CONTAINER.fullmatch(value):
            errors.append(
                rules.message(
                    option, "%r is not a OneLake path <workspace>/<lake>.Datalake/Files" % (value,), "blob-container"
                )
            )
    elif not BLOB_CONTAINER.fullmatch(value):
        errors.append(
            rules.message(
                option,
                "%r is not a blob container name: 3-63 lower-case letters, digits and "
                "single dashes, starting and ending with a letter or digit" % (value,),
                "blob-container",
            )
        )


@common.rule("mirror-schedule", "@hourly, @daily, @weekly, @monthly, @yearly, @annually, never, or a cron expression")
def mirror_schedule(value):
    if value in SCHEDULE_KEYWORDS:
        return None
    if isinstance(value, str) and value.startswith("@"):
        return "%r is not one of %s" % (value, ", ".join(SCHEDULE_KEYWORDS))
    return k8s.cron(value)


@common.rule("blob-prefix", "a blob name prefix without a leading slash, at most 1024 characters")
@rules.one_line
def blob_prefix(value):
    if value.startswith("/") or len(value) > MAX_BLOB_NAME:
        return "%r must be a blob name prefix without a leading slash, at most %d characters" % (value, MAX_BLOB_NAME)
    return None


def _optional_choice(errors, option, value, choices):
    if value is not None:
        rules.check_choice(errors, option, value, choices)


def parse_extension_version(text):
    """'2.8.2' or '2.7.1-preview' -> (2, 8, 2); None when it is not a version."""
    if not isinstance(text, str) or common.semantic_version(text):
        return None
    match = re.match(r"(\d+)\.(\d+)\.(\d+)", text)
    if not match:  # pragma: no cover - a semantic version always starts so
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
                chosen,
                needed,
                ", ".join(sorted(served_kinds)) or "no " + API_VERSION + " kinds",
                "Kinds IngestSubvolume/MirrorSubvolume exist from extension 2.8.2, EdgeSubvolume up to 2.7; use api: auto.",
            )
        )
    return chosen


def missing_crd_message(kind):
    return (
        "the cluster does not serve {0} ({1}): the Azure Container Storage enabled by Azure Arc extension "
        "(microsoft.arc.containerstorage) is not installed, or not yet configured (its CRDs appear once the "
        "extension is running; see the acstor.edge.arc_extension role)".format(kind, API_VERSION)
    )


class SubvolumeSpec(object):
    """The desired state of one ingest or mirror subvolume, from module parameters."""

    FIELDS = (
        "name",
        "namespace",
        "type",
        "pvc",
        "edge_volume",
        "path",
        "auth_type",
        "endpoint",
        "container",
        "ingest_order",
        "ingest_min_delay_sec",
        "eviction_order",
        "eviction_min_delay_sec",
        "on_delete",
        "index_tags_mode",
        "blob_name_prefix",
        "schedule",
        "ingest_policy",
    )

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


INGEST_ONLY_FIELDS = (
    "ingest_order",
    "ingest_min_delay_sec",
    "eviction_order",
    "eviction_min_delay_sec",
    "on_delete",
    "ingest_policy",
)
MIRROR_ONLY_FIELDS = ("index_tags_mode", "blob_name_prefix", "schedule")


def validate_subvolume(spec, prefix="", in_volume=False):
    """Every field error as '<prefix><field>: <reason> (rule <id>)'; empty when valid.

    in_volume: the spec comes from an edge_volumes list item, whose pvc and namespace are the volume's (checked there).
    """
    errors = []

    def option(field):
        return prefix + field

    rules.check(errors, option("name"), spec.name, k8s.dns_label)
    if not in_volume:
        rules.check(errors, option("namespace"), spec.namespace, k8s.dns_label)
        rules.check(errors, option("pvc"), spec.pvc, k8s.dns_subdomain)
    if spec.edge_volume != spec.pvc:
        rules.check(errors, option("edge_volume"), spec.edge_volume, k8s.dns_subdomain)
    rules.check_choice(errors, option("type"), spec.type, SUBVOLUME_TYPES)
    rules.check(errors, option("path"), spec.path, subvolume_path)
    _optional_choice(errors, option("auth_type"), spec.auth_type, AUTH_TYPES)
    rules.check(errors, option("endpoint"), spec.endpoint, storage_endpoint)
    check_container(errors, option("container"), spec.container, spec.endpoint)
    if spec.type == "ingest":
        _optional_choice(errors, option("ingest_order"), spec.ingest_order, INGEST_ORDERS)
        _optional_choice(errors, option("eviction_order"), spec.eviction_order, EVICTION_ORDERS)
        _optional_choice(errors, option("on_delete"), spec.on_delete, ON_DELETE_ACTIONS)
        for field in ("ingest_min_delay_sec", "eviction_min_delay_sec"):
            if getattr(spec, field) is not None:
                rules.check(errors, option(field), getattr(spec, field), delay_seconds)
        if spec.ingest_policy is not None:
            rules.check(errors, option("ingest_policy"), spec.ingest_policy, k8s.dns_label)
        for field in MIRROR_ONLY_FIELDS:
            if getattr(spec, field) not in (None, ""):
                rules.unused(errors, option(field), "applies to mirror subvolumes only (type is ingest)")
    elif spec.type == "mirror":
        _optional_choice(errors, option("index_tags_mode"), spec.index_tags_mode, INDEX_TAGS_MODES)
        if spec.schedule is not None:
            rules.check(errors, option("schedule"), spec.schedule, mirror_schedule)
        if spec.blob_name_prefix not in (None, ""):
            rules.check(errors, option("blob_name_prefix"), spec.blob_name_prefix, blob_prefix)
        for field in INGEST_ONLY_FIELDS:
            if getattr(spec, field) is not None:
                rules.unused(errors, option(field), "applies to ingest subvolumes only (type is mirror)")
    return errors


def validate_subvolume_for_api(spec, api, prefix=""):
    errors = []
    if api == API_LEGACY:
        if spec.type == "mirror":
            errors.append(
                rules.message(
                    prefix + "type",
                    "mirror needs the MirrorSubvolume kind (extension >= 2.8.2); the cluster uses EdgeSubvolume",
                    "api",
                )
            )
        if spec.on_delete is not None:
            errors.append(
                rules.message(
                    prefix + "on_delete", "is not supported by the legacy EdgeSubvolume kind (extension <= 2.7)", "api"
                )
            )
    elif spec.ingest_policy is not None:
        errors.append(
            rules.message(
                prefix + "ingest_policy",
                "applies to the legacy EdgeSubvolume kind only; set ingest_order/eviction_order instead",
                "api",
            )
        )
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
    if any(
        getattr(spec, f) is not None
        for f in ("ingest_order", "ingest_min_delay_sec", "eviction_order", "eviction_min_delay_sec")
    ):
        return "{0}-policy".format(spec.name)
    return LEGACY_DEFAULT_POLICY


def render_subvolume(spec, api, oneshot=None, labels=None):
    """The objects (in creation order) that implement `spec` on the chosen API generation; `labels` go on each."""
    metadata = _compact({"name": spec.name, "namespace": spec.namespace, "labels": dict(labels) if labels else None})
    ingest = {"order": spec.ingest_order, "minDelaySec": _int_or_none(spec.ingest_min_delay_sec)}
    eviction = {"order": spec.eviction_order, "minDelaySec": _int_or_none(spec.eviction_min_delay_sec)}
    if api == API_LEGACY:
        return _render_legacy_subvolume(spec, metadata, ingest, eviction)
    if spec.type == "ingest":
        return _render_ingest_subvolume(spec, metadata, ingest, eviction)
    return _render_mirror_subvolume(spec, metadata, oneshot)


def _render_legacy_subvolume(spec, metadata, ingest, eviction):
    """EdgeSubvolume (always ingest) and, unless it names one or uses the default, its own IngestPolicy first."""
    objects = []
    policy = legacy_policy_name(spec)
    if policy != LEGACY_DEFAULT_POLICY and not spec.ingest_policy:
        objects.append(
            {
                "apiVersion": API_VERSION,
                "kind": KIND_LEGACY_POLICY,
                "metadata": dict(metadata, name=policy),
                "spec": _compact({"ingest": ingest, "eviction": eviction}),
            }
        )
    objects.append(
        {
            "apiVersion": API_VERSION,
            "kind": KIND_LEGACY_SUBVOLUME,
            "metadata": metadata,
            "spec": _compact(
                {
                    "edgevolume": spec.edge_volume,
                    "path": spec.path,
                    "subvolumeType": "INGEST",
                    "auth": {"authType": spec.auth_type},
                    "storageaccountendpoint": spec.endpoint,
                    "container": spec.container,
                    "ingestPolicy": policy,
                }
            ),
        }
    )
    return objects


def _render_ingest_subvolume(spec, metadata, ingest, eviction):
    return [
        {
            "apiVersion": API_VERSION,
            "kind": KIND_INGEST,
            "metadata": metadata,
            "spec": _compact(
                {
                    "edgevolume": spec.edge_volume,
                    "path": spec.path,
                    "authentication": {"authType": spec.auth_type},
                    "storageAccountEndpoint": spec.endpoint,
                    "containerName": spec.container,
                    "ingest": ingest,
                    "eviction": eviction,
                    # The safe choice when unset: flush dirty files instead of dropping them.
                    "onDelete": spec.on_delete or "trigger-immediate-ingest",
                }
            ),
        }
    ]


def _render_mirror_subvolume(spec, metadata, oneshot):
    return [
        {
            "apiVersion": API_VERSION,
            "kind": KIND_MIRROR,
            "metadata": metadata,
            "spec": _compact(
                {
                    "edgevolume": spec.edge_volume,
                    "path": spec.path,
                    "authentication": {"authType": spec.auth_type},
                    "blobAccount": {
                        "accountEndpoint": spec.endpoint,
                        "containerName": spec.container,
                        "indexTagsMode": spec.index_tags_mode,
                    },
                    "blobFiltering": {"blobNamePrefix": spec.blob_name_prefix or None},
                    "schedule": {"frequency": spec.schedule, "oneshot": oneshot},
                }
            ),
        }
    ]


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
    labels = (desired.get("metadata") or {}).get("labels") or {}
    if owned_difference(labels, (current.get("metadata") or {}).get("labels") or {}):
        return "update", {"metadata": {"labels": labels}, "spec": desired.get("spec", {})}
    if not differences:
        return "none", None
    return "update", {"spec": desired.get("spec", {})}


# ---------------------------------------------------------------------------------------------
# EdgeStorageConfiguration


def validate_configuration(name, default_disk_storage_classes, workload_identity, option=None):
    """EdgeStorageConfiguration inputs; option(field) -> the name to report (the role's variable names)."""
    option = option or (lambda field: field)
    errors = []
    rules.check(errors, option("name"), name, k8s.dns_subdomain)
    classes = common.nested(errors, option("default_disk_storage_classes"), default_disk_storage_classes, "list")
    if classes is not None and not classes:
        errors.append(
            rules.message(
                option("default_disk_storage_classes"), "is empty: list at least one StorageClass", "required"
            )
        )
    for index, item in enumerate(classes or []):
        rules.check(errors, "%s[%d]" % (option("default_disk_storage_classes"), index), item, k8s.dns_subdomain)
    identity = common.nested(errors, option("workload_identity"), workload_identity, "dict")
    if identity:
        unknown = sorted(str(key) for key in identity if key not in ("client_id", "tenant_id"))
        if unknown:
            errors.append(
                rules.message(
                    option("workload_identity"),
                    "has unknown key(s) %s (client_id, tenant_id)" % ", ".join(unknown),
                    "choice",
                )
            )
        for field in ("client_id", "tenant_id"):
            rules.check(errors, "%s.%s" % (option("workload_identity"), field), identity.get(field), common.guid)
    return errors


def render_configuration(name, default_disk_storage_classes, workload_identity):
    spec = {}
    if default_disk_storage_classes is not None:
        spec["defaultDiskStorageClasses"] = list(default_disk_storage_classes)
    if workload_identity:
        spec["workloadIdentity"] = {
            "clientID": workload_identity["client_id"],
            "tenantID": workload_identity["tenant_id"],
        }
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


# static-retain.md: the Retain variants of the two classes (a deleted PVC keeps its PV and EdgeVolume).
RETAIN_STORAGE_CLASS = {LOCAL_SHARED_STORAGE_CLASS: "unbacked-retain-sc", CLOUD_STORAGE_CLASS: "cloud-backed-retain-sc"}
LOCAL_SHARED_CLASSES = (LOCAL_SHARED_STORAGE_CLASS, "unbacked-retain-sc")


# release-notes.md: 2.9.0 removed the static retain storage classes, 2.9.1 added them back, 2.11.2 fixed them.
RETAIN_CLASSES_SINCE = (2, 11, 2)


@common.rule("true-or-false", "true or false (a YAML boolean)")
def _true_or_false(value):
    if not isinstance(value, bool):
        return "must be true or false, got %r" % (value,)
    return None


def retain_version_error(owner, storage_class, extension_version):
    """Error when the extension version is known and has no (working) retain classes; None otherwise."""
    if not extension_version:
        return None
    version = parse_extension_version(extension_version)
    if version is None:
        return "{0}: extension_version {1!r} is not a version such as 2.11.2".format(owner, extension_version)
    if version < RETAIN_CLASSES_SINCE:
        return (
            "{0}: storage class {1} needs extension version {2} or later (removed in 2.9.0, back in 2.9.1, fixed in "
            "2.11.2); this cluster's extension is {3}".format(
                owner, storage_class, ".".join(str(x) for x in RETAIN_CLASSES_SINCE), extension_version
            )
        )
    return None


def _field_error(owner, field, problem):
    """The message format of edge_static_volumes (issue 15), which has not moved onto the option-path format yet."""
    return "{0}: {1} {2}".format(owner, field, problem)


def check_name(owner, field, value, errors, max_length=63):
    """edge_static_volumes' name check, on the k8s_inputs rules (DNS-1123 label, or subdomain when longer)."""
    reason = (k8s.dns_label if max_length <= 63 else k8s.dns_subdomain)(value)
    if reason:
        errors.append(
            _field_error(
                owner,
                field,
                "must be lowercase letters, digits and dashes, start and end "
                "alphanumeric, at most {0} characters (got {1!r})".format(max_length, value),
            )
        )


def check_choice(owner, field, value, choices, errors):
    if value is not None and value not in choices:
        errors.append(_field_error(owner, field, "must be one of {0} (got {1!r})".format(", ".join(choices), value)))


def volume_list_errors(volumes, default_namespace="default", name="volumes", extension_version=None):
    """Every error of an Edge Volumes list, each naming its path (volumes[2].subvolumes[1].name); [] when valid.

    Names are unique where Kubernetes keys them: a volume (PVC) per namespace, and a subvolume per namespace (two
    entries with one name would PATCH the same object).
    """
    errors = []
    items = common.nested(errors, name, volumes, "list")
    rules.check(errors, "default_namespace", default_namespace, k8s.dns_label)
    claims, subvolume_names = {}, {}
    for index, volume in enumerate(items or []):
        prefix = "%s[%d]" % (name, index)
        if not isinstance(volume, dict):
            errors.append(rules.message(prefix, "must be a mapping {name, size, ...}, got %r" % (volume,), "dict"))
            continue
        found = []
        _volume_errors(found, prefix, volume, default_namespace, extension_version, claims, subvolume_names)
        errors.extend(_naming_volume(error, volume.get("name")) for error in found)
    return errors


def _naming_volume(error, volume_name):
    """A long list is read by name, not by index: '... (volume cache) (rule storage-quantity)'."""
    if not isinstance(volume_name, str) or not volume_name or "\n" in volume_name or not error.endswith(")"):
        return error
    head, marker, rule_id = error.rpartition(" (rule ")
    return "%s (volume %s) (rule %s" % (head, volume_name, rule_id) if marker else error


def _volume_errors(errors, prefix, volume, default_namespace, extension_version, claims, subvolume_names):
    """The errors of one volume mapping (its subvolumes included), each naming its path."""
    unknown = sorted(str(key) for key in volume if key not in VOLUME_FIELDS)
    if unknown:
        errors.append(
            rules.message(
                prefix, "has unknown field(s) %s (known: %s)" % (", ".join(unknown), ", ".join(VOLUME_FIELDS)), "choice"
            )
        )
    namespace = volume.get("namespace") or default_namespace
    namespace = namespace if isinstance(namespace, str) else "(invalid)"  # keys below must be hashable
    kind = volume.get("kind", "local_shared")
    if rules.check(errors, prefix + ".name", volume.get("name"), k8s.dns_subdomain):
        key = (namespace, volume["name"])
        if key in claims:
            errors.append(
                rules.message(
                    prefix + ".name",
                    "%r is listed twice in namespace %s (also %s)" % (volume["name"], namespace, claims[key]),
                    "unique",
                )
            )
        claims.setdefault(key, prefix)
    if volume.get("namespace") is not None:
        rules.check(errors, prefix + ".namespace", volume["namespace"], k8s.dns_label)
    rules.check_choice(errors, prefix + ".kind", kind, VOLUME_KINDS)
    rules.check(errors, prefix + ".size", volume.get("size"), k8s.storage_quantity)
    if volume.get("retain") is not None and rules.check(errors, prefix + ".retain", volume["retain"], _true_or_false):
        if volume["retain"] and kind in VOLUME_KINDS:
            storage_class = RETAIN_STORAGE_CLASS[CLOUD_STORAGE_CLASS if kind == "cloud" else LOCAL_SHARED_STORAGE_CLASS]
            version_error = retain_version_error(prefix + ".retain", storage_class, extension_version)
            if version_error:
                errors.append(version_error + " (rule retain-classes)")
    if "access_modes" in volume:
        k8s.check_access_modes(errors, prefix + ".access_modes", volume["access_modes"])
    k8s.check_labels(errors, prefix + ".labels", volume.get("labels"))
    if isinstance(volume.get("labels"), dict) and OWNER_LABEL_KEY in volume["labels"]:
        errors.append(
            rules.message(
                prefix + ".labels", "must not set %s: the role sets it on what it owns" % OWNER_LABEL_KEY, "choice"
            )
        )
    subvolume_list = common.nested(errors, prefix + ".subvolumes", volume.get("subvolumes"), "list")
    if subvolume_list and kind != "cloud":
        errors.append(
            rules.message(
                prefix + ".subvolumes",
                "need kind: cloud (a cloud-backed-sc volume); this volume is %s" % (kind,),
                "unused-option",
            )
        )
        return
    for sub_index, item in enumerate(subvolume_list or []):
        sub_prefix = "%s.subvolumes[%d]" % (prefix, sub_index)
        if not isinstance(item, dict):
            errors.append(rules.message(sub_prefix, "must be a mapping {name, type, ...}, got %r" % (item,), "dict"))
            continue
        _subvolume_errors(errors, sub_prefix, item, volume, namespace, subvolume_names)


def _subvolume_errors(errors, sub_prefix, item, volume, namespace, subvolume_names):
    """The errors of one subvolume of a cloud volume; its name is unique per namespace."""
    unknown = sorted(
        str(key)
        for key in item
        if key not in SubvolumeSpec.FIELDS + SUBVOLUME_EXTRA_FIELDS or key in ("pvc", "namespace")
    )
    if unknown:
        errors.append(
            rules.message(
                sub_prefix,
                "has unknown field(s) %s (pvc and namespace are the volume's)" % ", ".join(unknown),
                "choice",
            )
        )
    spec = SubvolumeSpec(**_subvolume_values(item, volume, namespace))
    errors.extend(validate_subvolume(spec, sub_prefix + ".", in_volume=True))
    for field in SUBVOLUME_EXTRA_FIELDS:
        if field == "api" and item.get(field) is not None:
            rules.check_choice(errors, sub_prefix + ".api", item[field], ("auto", API_CURRENT, API_LEGACY))
        elif field != "api" and item.get(field) is not None:
            rules.check(errors, "%s.%s" % (sub_prefix, field), item[field], rules.boolean)
    if isinstance(spec.name, str):
        key = (namespace, spec.name)
        if key in subvolume_names:
            errors.append(
                rules.message(
                    sub_prefix + ".name",
                    "%r is listed twice in namespace %s (also %s); "
                    "the second would overwrite the first" % (spec.name, namespace, subvolume_names[key]),
                    "unique",
                )
            )
        subvolume_names.setdefault(key, sub_prefix)


def _subvolume_values(item, volume, namespace):
    values = dict((key, value) for key, value in item.items() if key not in ("pvc", "namespace"))
    values.update({"pvc": volume.get("name"), "namespace": namespace})
    values.setdefault("auth_type", "MANAGED_IDENTITY")
    return values


def normalize_volume_list(volumes, default_namespace="default", extension_version=None, name="volumes"):
    """Validate the whole list; return (pvcs, subvolume module args, errors). With errors, nothing else is returned.

    `retain: true` puts a volume on the retain variant of its class, refused when `extension_version` is known and
    older than the versions that have them.
    """
    errors = volume_list_errors(volumes, default_namespace, name, extension_version)
    if errors:
        return [], [], errors
    pvcs, subvolumes = [], []
    for volume in volumes:
        namespace = volume.get("namespace") or default_namespace
        kind = volume.get("kind", "local_shared")
        storage_class = CLOUD_STORAGE_CLASS if kind == "cloud" else LOCAL_SHARED_STORAGE_CLASS
        if volume.get("retain"):
            storage_class = RETAIN_STORAGE_CLASS[storage_class]
        pvcs.append(
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {
                    "name": volume["name"],
                    "namespace": namespace,
                    "labels": dict(volume.get("labels") or {}, **OWNER_LABELS),
                },
                "spec": {
                    "accessModes": list(volume.get("access_modes") or ["ReadWriteMany"]),
                    "resources": {"requests": {"storage": volume["size"]}},
                    "storageClassName": storage_class,
                },
            }
        )
        for item in volume.get("subvolumes") or []:
            values = _subvolume_values(item, volume, namespace)
            subvolumes.append(dict((key, value) for key, value in values.items() if value is not None))
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


def claim_key(pvc):
    return "{0}/{1}".format(pvc["metadata"]["namespace"], pvc["metadata"]["name"])


def claim_ready(pvc, claim, edge_volume):
    """A local shared volume is ready when its claim is Bound, a cloud volume when its EdgeVolume is deployed (what
    the role waits for after applying the claim)."""
    if pvc["spec"]["storageClassName"] in LOCAL_SHARED_CLASSES:
        return ((claim or {}).get("status") or {}).get("phase") == "Bound"
    return ((edge_volume or {}).get("status") or {}).get("state") == "deployed"


def claim_work(pvcs, claims, edge_volumes):
    """(claims to apply, claims to wait for) of the desired `pvcs`, given what the cluster holds: `claims` and
    `edge_volumes` map claim_key() to the object read (None when absent). A claim that already has every field we set
    is not written again, and one that is also ready is not waited for (issue 17: no PATCH, no polling on a no-op)."""
    to_apply, to_wait = [], []
    for pvc in pvcs:
        key = claim_key(pvc)
        if not holds(claims.get(key), pvc):
            to_apply.append(pvc)
            to_wait.append(pvc)
        elif not claim_ready(pvc, claims.get(key), edge_volumes.get(key)):
            to_wait.append(pvc)
    return to_apply, to_wait
