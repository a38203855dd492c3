"""The API resources the test double serves: the registry behind discovery, routing and storage."""

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
    (
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
        False,
        False,
    ),
    (
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
        False,
        False,
    ),
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


class Resource:
    def __init__(self, group, version, plural, kind, namespaced, has_status):
        self.group, self.version, self.plural, self.kind = group, version, plural, kind
        self.namespaced, self.has_status = namespaced, has_status

    @property
    def api_version(self):
        return "{0}/{1}".format(self.group, self.version) if self.group else self.version

    def discovery(self):
        entries = [
            {
                "name": self.plural,
                "singularName": self.kind.lower(),
                "namespaced": self.namespaced,
                "kind": self.kind,
                "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
            }
        ]
        if self.has_status:
            entries.append(
                {
                    "name": self.plural + "/status",
                    "singularName": "",
                    "namespaced": self.namespaced,
                    "kind": self.kind,
                    "verbs": ["get", "patch", "update"],
                }
            )
        return entries


def served_resources(edge_api="current", acstor_v1=False):
    """The registry for one Edge Volumes API generation ("current", "legacy", "both" or "none")."""
    registry = list(CORE_RESOURCES)
    if edge_api in ("current", "legacy", "both"):
        registry += EDGE_COMMON
    if edge_api in ("current", "both"):
        registry += EDGE_CURRENT
    if edge_api in ("legacy", "both"):
        registry += EDGE_LEGACY
    if acstor_v1:
        registry += ACSTOR_V1
    return [Resource(*entry) for entry in registry]
