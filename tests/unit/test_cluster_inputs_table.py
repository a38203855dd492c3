"""Wrong cluster-side inputs, each with the rule it breaks: every module refuses before its first request with the
option named, no input crashes, and every module refusal is also what validate.yml reports for the role variable
that feeds that option (cluster_role_inputs, the functions playbooks/validate.yml runs).

Each row: (module, option changes, option reported, rule id, role, role variable changes, variable reported).
A rule id of None means AnsibleModule's own type check refused first (the message must still name the option and
the expected type). Role columns are None where no role passes the option.
Most rows are written with through_role (the same value through the role variable) or module_only.
"""

import re

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.azure import module as arm_module
from ansible_collections.acstor.edge.plugins.module_utils.common import inputs as common_inputs
from ansible_collections.acstor.edge.plugins.module_utils.k8s import module as k8s_module
from ansible_collections.acstor.edge.plugins.modules import (
    arc_extension,
    arc_extension_info,
    arm_role_assignment,
    arm_user_assigned_identity,
    edge_storage_config,
    edge_subvolume,
    edge_volumes_plan,
    local_csi_driver_preflight,
)
from ansible_collections.acstor.edge.plugins.plugin_utils import arc_inventory, cluster_role_inputs

from bad_input import refusal
from cluster_examples import CLOUD_VOLUME, EXTENSION, INGEST, LOCAL_VOLUME

SUB = "0b6f1b4c-2f6a-4c5e-9a53-5c1f0e8a7d21"
GUID = "6e3c1f0e-7d7a-4b1c-8f56-2b7f0c9a1e42"
RG_ID = "/subscriptions/%s/resourceGroups/rg-edge" % SUB
ACCOUNT_ID = RG_ID + "/providers/Microsoft.Storage/storageAccounts/edgeblobs01"
ROLE_ID = "/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s" % (SUB, GUID)
ISSUER = "https://oidc.example/0b6f1b4c"
ENDPOINT = "https://edgeblobs01.blob.core.windows.net/"
SECRET = 987654321
# The arc_extension role grants Blob Data Owner on each arc_extension_storage_account_ids entry, so it takes storage
# account ids only: stricter than arm_role_assignment's scope, which may be any ARM scope.
ROLE_RULE = {"arc_extension_storage_account_ids[0]": "storage-account-id"}

BASE = {
    arc_extension: dict(
        EXTENSION,
        configuration_settings={"edgeStorageConfiguration.create": "true"},
    ),
    arc_extension_info: dict(resource_group="rg-edge", cluster_name="store-0001", name="azure-arc-containerstorage"),
    arm_role_assignment: dict(scope=ACCOUNT_ID, role_definition_name="Storage Blob Data Owner", principal_id=GUID),
    arm_user_assigned_identity: dict(
        resource_group="rg-edge",
        name="acsa-store-0001",
        location="westeurope",
        federated_credentials=[dict(name="acsa-store-0001", issuer=ISSUER, subject="system:serviceaccount:ns:sa")],
    ),
    edge_storage_config: dict(
        name="edge-storage-configuration", default_disk_storage_classes=["default", "local-path"]
    ),
    edge_subvolume: dict(INGEST, namespace="media", pvc="cam", endpoint=ENDPOINT, wait=False),
    edge_volumes_plan: dict(volumes=[LOCAL_VOLUME, dict(CLOUD_VOLUME, subvolumes=[INGEST])]),
    local_csi_driver_preflight: dict(release_name="local-csi-driver", release_namespace="kube-system"),
}
ROLE_BASE = {
    "arc_extension": dict(arc_extension_resource_group="rg-edge", arc_extension_cluster_name="store-0001"),
    "edge_volumes": dict(edge_volumes_list=BASE[edge_volumes_plan]["volumes"]),
    "csi_driver": {},
}
MIRROR = dict(type="mirror", name="models", path="models", container="models")


def volume(**changes):
    return [dict(LOCAL_VOLUME, **changes)]


def cloud(*subvolumes):
    return [dict(CLOUD_VOLUME, subvolumes=list(subvolumes))]


def sub(**changes):
    return dict(INGEST, **changes)


def cred(**changes):
    item = dict(name="acsa-store-0001", issuer=ISSUER, subject="system:serviceaccount:ns:sa")
    item.update(changes)
    return item


def through_role(module, reported, value, rule, role, variable=None):
    """A wrong value for the module option that ``reported`` starts with, and the same value through the role variable
    that feeds that option (by default ``<role>_<option>``), reported at the same place below it."""
    option = re.match(r"\w+", reported).group(0)
    variable = variable or "%s_%s" % (role, option)
    return (module, {option: value}, reported, rule, role, {variable: value}, variable + reported[len(option) :])


def volume_list_case(reported, value, rule):
    """A wrong edge_volumes_plan volumes value, and the same list through the edge_volumes role's edge_volumes_list."""
    return through_role(edge_volumes_plan, reported, value, rule, "edge_volumes", "edge_volumes_list")


def module_only(module, reported, value, rule):
    """A wrong value for the module option that ``reported`` starts with, which no role variable feeds."""
    return (module, {re.match(r"\w+", reported).group(0): value}, reported, rule, None, None, None)


def subvolume_case(option, value, rule, **others):
    """A wrong value for an edge_subvolume option (beside `others`), and the same subvolume in edge_volumes_list."""
    changes = dict(others, **{option: value})
    reported = "edge_volumes_list[0].subvolumes[0]." + option
    return (
        edge_subvolume,
        changes,
        option,
        rule,
        "edge_volumes",
        {"edge_volumes_list": cloud(sub(**changes))},
        reported,
    )


def issuer_case(issuer, rule):
    """A wrong OIDC issuer in a federated credential, and the same URL through arc_extension_oidc_issuer_url."""
    return (
        arm_user_assigned_identity,
        dict(federated_credentials=[cred(issuer=issuer)]),
        "federated_credentials[0].issuer",
        rule,
        "arc_extension",
        dict(arc_extension_oidc_issuer_url=issuer),
        "arc_extension_oidc_issuer_url",
    )


def role_case(role, variable, value, rule):
    """A wrong value for one role variable, reported under its own name."""
    return (role, {variable: value}, variable, rule)


# (module, changes, option, rule, role, role changes, variable)
TABLE = [
    # arc_extension: ARM names, versions, namespaces, settings
    through_role(arc_extension, "resource_group", "rg-edge\n", "single-line", "arc_extension"),
    through_role(arc_extension, "resource_group", "rg-edge.", "resource-group", "arc_extension"),
    through_role(arc_extension, "resource_group", "r" * 91, "resource-group", "arc_extension"),
    through_role(arc_extension, "resource_group", "rg/edge", "resource-group", "arc_extension"),
    through_role(arc_extension, "cluster_name", "store 0001", "arc-cluster-name", "arc_extension"),
    through_role(arc_extension, "cluster_name", "c" * 64, "arc-cluster-name", "arc_extension"),
    through_role(arc_extension, "cluster_name", "-store", "arc-cluster-name", "arc_extension"),
    through_role(arc_extension, "cluster_name", ["store-0001"], "string", "arc_extension"),
    through_role(arc_extension, "name", "Azure_Arc", "arc-extension-name", "arc_extension"),
    through_role(arc_extension, "name", "acsa/../x", "arc-extension-name", "arc_extension"),
    through_role(arc_extension, "version", "latest", "semantic-version", "arc_extension"),
    through_role(arc_extension, "version", "2.12.0\n", "single-line", "arc_extension"),
    through_role(arc_extension, "version", "2.12", "semantic-version", "arc_extension"),
    through_role(arc_extension, "release_train", "stable preview", "release-train", "arc_extension"),
    through_role(arc_extension, "release_namespace", "Azure_Arc", "dns-label", "arc_extension"),
    through_role(arc_extension, "release_namespace", "acsa\n", "single-line", "arc_extension"),
    through_role(
        arc_extension,
        "configuration_settings['feature.x']",
        {"feature.x": True},
        "extension-setting",
        "arc_extension",
        "arc_extension_settings",
    ),
    through_role(
        arc_extension,
        "configuration_settings['feature x']",
        {"feature x": "1"},
        "extension-setting",
        "arc_extension",
        "arc_extension_settings",
    ),
    through_role(
        arc_extension,
        "configuration_protected_settings['token']",
        {"token": SECRET},
        "extension-setting",
        "arc_extension",
        "arc_extension_protected_settings",
    ),
    module_only(arc_extension, "extension_type", "containerstorage", "arc-extension-type"),
    through_role(arc_extension, "wait_timeout", 0, "positive-integer", "arc_extension"),
    through_role(arc_extension, "configuration_settings", ["a=b"], None, "arc_extension", "arc_extension_settings"),
    # arc_extension_info
    module_only(arc_extension_info, "cluster_name", "store-0001\n", "single-line"),
    module_only(arc_extension_info, "resource_group", ["rg-edge"], "string"),
    module_only(arc_extension_info, "extension_type", "container storage", "arc-extension-type"),
    module_only(arc_extension_info, "name", "ACSA", "arc-extension-name"),
    # arm_role_assignment: scopes, ids, principals
    (
        arm_role_assignment,
        dict(scope="/subscriptions/xyz"),
        "scope",
        "arm-scope",
        "arc_extension",
        dict(arc_extension_storage_account_ids=["/subscriptions/xyz"]),
        "arc_extension_storage_account_ids[0]",
    ),
    (
        arm_role_assignment,
        dict(scope=RG_ID + "\n"),
        "scope",
        "single-line",
        "arc_extension",
        dict(arc_extension_storage_account_ids=[ACCOUNT_ID + "\n"]),
        "arc_extension_storage_account_ids[0]",
    ),
    (
        arm_role_assignment,
        dict(scope=ACCOUNT_ID[1:]),
        "scope",
        "arm-scope",
        "arc_extension",
        dict(arc_extension_storage_account_ids=[ACCOUNT_ID[1:]]),
        "arc_extension_storage_account_ids[0]",
    ),
    (
        arm_role_assignment,
        dict(scope=ACCOUNT_ID + "?api-version=1"),
        "scope",
        "arm-scope",
        "arc_extension",
        dict(arc_extension_storage_account_ids=[ACCOUNT_ID + "?x"]),
        "arc_extension_storage_account_ids[0]",
    ),
    module_only(arm_role_assignment, "principal_id", "not-a-guid", "guid"),
    module_only(arm_role_assignment, "principal_id", "", "required"),
    module_only(arm_role_assignment, "principal_id", "   ", "required"),
    module_only(arm_role_assignment, "principal_id", [GUID], "string"),
    (
        arm_role_assignment,
        dict(role_definition_name=None, role_definition_id="Owner"),
        "role_definition_id",
        "role-definition-id",
        None,
        None,
        None,
    ),
    (
        arm_role_assignment,
        dict(role_definition_name=None, role_definition_id=ROLE_ID + "\n"),
        "role_definition_id",
        "single-line",
        None,
        None,
        None,
    ),
    through_role(
        arm_role_assignment,
        "role_definition_name",
        "Storage Blob Data Owner\n",
        "single-line",
        "arc_extension",
        "arc_extension_storage_role",
    ),
    through_role(
        arm_role_assignment,
        "role_definition_name",
        " Owner",
        "role-name",
        "arc_extension",
        "arc_extension_storage_role",
    ),
    through_role(arm_role_assignment, "principal_wait_timeout", -1, "positive-integer", "arc_extension"),
    # arm_user_assigned_identity: names per type, tags, federated credentials
    *(
        through_role(
            arm_user_assigned_identity,
            "name",
            name,
            "managed-identity-name",
            "arc_extension",
            "arc_extension_workload_identity_name",
        )
        for name in ("ab", "a" * 129, "acsa store")
    ),
    through_role(
        arm_user_assigned_identity,
        "resource_group",
        "rg-edge.",
        "resource-group",
        "arc_extension",
        "arc_extension_workload_identity_resource_group",
    ),
    through_role(
        arm_user_assigned_identity,
        "location",
        "west-europe!",
        "azure-location",
        "arc_extension",
        "arc_extension_workload_identity_location",
    ),
    module_only(arm_user_assigned_identity, "tags['env']", {"env": 1}, "azure-tags"),
    module_only(arm_user_assigned_identity, "tags['a/b']", {"a/b": "x"}, "azure-tags"),
    module_only(arm_user_assigned_identity, "tags", dict(("t%d" % i, "v") for i in range(51)), "azure-tags"),
    module_only(
        arm_user_assigned_identity, "federated_credentials[0].name", [cred(name="x" * 121)], "federated-credential-name"
    ),
    module_only(
        arm_user_assigned_identity, "federated_credentials[0].name", [cred(name="ab")], "federated-credential-name"
    ),
    module_only(
        arm_user_assigned_identity,
        "federated_credentials[1].name",
        [cred(), cred(subject="system:serviceaccount:x:y")],
        "unique",
    ),
    module_only(
        arm_user_assigned_identity, "federated_credentials[1].name", [cred(), cred(name="ACSA-store-0001")], "unique"
    ),
    issuer_case("http://oidc.example/1", "https-url"),
    issuer_case(ISSUER + "\n", "single-line"),
    issuer_case(ISSUER + "?x=y", "https-url"),
    module_only(
        arm_user_assigned_identity,
        "federated_credentials[0].issuer",
        [cred(issuer="https://user@oidc.example/")],
        "https-url",
    ),
    issuer_case("https://oidc_example/", "https-url"),
    module_only(arm_user_assigned_identity, "federated_credentials[0].subject", [cred(subject="a\nb")], "single-line"),
    module_only(arm_user_assigned_identity, "federated_credentials", cred(), None),
    module_only(arm_user_assigned_identity, "tags", ["env=prod"], None),
    module_only(arm_user_assigned_identity, "name", ["acsa"], "string"),
    # edge_storage_config
    through_role(
        edge_storage_config, "name", "Edge_Config", "dns-subdomain", "edge_volumes", "edge_volumes_configuration_name"
    ),
    through_role(
        edge_storage_config, "default_disk_storage_classes[0]", ["Local_Path"], "dns-subdomain", "edge_volumes"
    ),
    through_role(edge_storage_config, "default_disk_storage_classes", [], "required", "edge_volumes"),
    through_role(
        edge_storage_config, "workload_identity.client_id", dict(client_id="x", tenant_id=GUID), "guid", "edge_volumes"
    ),
    through_role(
        edge_storage_config,
        "workload_identity.tenant_id",
        dict(client_id=GUID, tenant_id=GUID + "\n"),
        "single-line",
        "edge_volumes",
    ),
    through_role(edge_storage_config, "default_disk_storage_classes", "default,local-path", "list", "edge_volumes"),
    through_role(edge_storage_config, "default_disk_storage_classes[0]", [["default"]], "string", "edge_volumes"),
    # edge_subvolume (the role's edge_volumes_list items take the same fields)
    subvolume_case("name", "Cam", "dns-label"),
    subvolume_case("name", "cam\n", "single-line"),
    subvolume_case("name", ["cam"], "string"),
    (
        edge_subvolume,
        dict(namespace="my_ns"),
        "namespace",
        "dns-label",
        "edge_volumes",
        dict(edge_volumes_list=[dict(cloud(sub())[0], namespace="my_ns")]),
        "edge_volumes_list[0].namespace",
    ),
    (
        edge_subvolume,
        dict(pvc="c" * 254),
        "pvc",
        "dns-subdomain",
        "edge_volumes",
        dict(edge_volumes_list=[dict(cloud(sub())[0], name="c" * 254)]),
        "edge_volumes_list[0].name",
    ),
    subvolume_case("path", "/abs", "subvolume-path"),
    subvolume_case("path", "a/../b", "subvolume-path"),
    subvolume_case("endpoint", "http://edgeblobs01.blob.core.windows.net/", "https-url"),
    subvolume_case("endpoint", ENDPOINT + "frames", "storage-endpoint"),
    subvolume_case("endpoint", ENDPOINT + "\n", "single-line"),
    subvolume_case("container", "a--b", "blob-container"),
    subvolume_case("container", "ab", "blob-container"),
    subvolume_case("ingest_min_delay_sec", 31536001, "delay-seconds"),
    subvolume_case("eviction_min_delay_sec", -1, "delay-seconds"),
    subvolume_case("schedule", "61 * * * *", "cron", **MIRROR),
    subvolume_case("schedule", "0 24 * * *", "cron", **MIRROR),
    *(
        (edge_subvolume, dict(MIRROR, schedule=schedule), "schedule", "cron", None, None, None)
        for schedule in ("0 3 0 * *", "0 3 * 13 *", "*/0 * * * *", "30-10 * * * *", "0 3 * * MONDAY")
    ),
    subvolume_case("schedule", "@every 5m", "mirror-schedule", **MIRROR),
    (edge_subvolume, dict(MIRROR, schedule="0 3 * *"), "schedule", "cron", None, None, None),
    (edge_subvolume, dict(MIRROR, schedule="0 3 * * *\n"), "schedule", "single-line", None, None, None),
    subvolume_case("blob_name_prefix", "/raw", "blob-prefix", **MIRROR),
    through_role(edge_subvolume, "extension_version", "2.8", "semantic-version", "edge_volumes"),
    subvolume_case("ingest_policy", "Bad_Policy", "dns-label"),
    # edge_volumes_plan: sizes, names, labels, access modes, duplicates, shapes
    volume_list_case("volumes[0].size", volume(size="0"), "storage-quantity"),
    volume_list_case("volumes[0].size", volume(size="0Gi"), "storage-quantity"),
    volume_list_case("volumes[0].size", volume(size="-1Gi"), "storage-quantity"),
    volume_list_case("volumes[0].size", volume(size="2 GB"), "storage-quantity"),
    volume_list_case("volumes[0].size", volume(size="2Gi\n"), "single-line"),
    volume_list_case("volumes[0].size", volume(size=0), "storage-quantity"),
    volume_list_case("volumes[0].name", volume(name="Scratch"), "dns-subdomain"),
    volume_list_case("volumes[0].name", volume(name=["scratch"]), "string"),
    volume_list_case("volumes[0].name", volume(name="scratch\n"), "single-line"),
    volume_list_case("volumes[0].namespace", volume(namespace="Media"), "dns-label"),
    volume_list_case("volumes[0].namespace", volume(namespace=["media"]), "string"),
    volume_list_case("volumes[0].labels['app']", volume(labels={"app": True}), "label-value"),
    volume_list_case("volumes[0].labels['bad key!']", volume(labels={"bad key!": "x"}), "label-key"),
    module_only(edge_volumes_plan, "volumes[0].labels['app']", volume(labels={"app": "x" * 64}), "label-value"),
    module_only(
        edge_volumes_plan, "volumes[0].labels['Example.com/app']", volume(labels={"Example.com/app": "x"}), "label-key"
    ),
    volume_list_case("volumes[0].labels", volume(labels=["app=x"]), "dict"),
    volume_list_case("volumes[0].access_modes", volume(access_modes="ReadWriteMany"), "list"),
    module_only(edge_volumes_plan, "volumes[0].access_modes", volume(access_modes=[]), "choice"),
    volume_list_case("volumes[1].name", volume() + volume(), "unique"),
    volume_list_case("volumes[0].subvolumes[1].name", cloud(sub(), sub(path="other")), "unique"),
    volume_list_case("volumes[0].subvolumes", [dict(cloud()[0], subvolumes=sub())], "list"),
    volume_list_case("volumes[0].subvolumes[0]", cloud("cam-ingest"), "dict"),
    (
        edge_volumes_plan,
        dict(volumes=["scratch"]),
        "volumes",
        None,
        "edge_volumes",
        dict(edge_volumes_list=["scratch"]),
        "edge_volumes_list[0]",
    ),
    volume_list_case("volumes", {"name": "scratch"}, None),
    through_role(edge_volumes_plan, "default_namespace", "Default", "dns-label", "edge_volumes"),
    volume_list_case("volumes[0].retain", volume(retain="yes"), "true-or-false"),
    volume_list_case("volumes[0].kind", volume(kind="nfs"), "choice"),
    # local_csi_driver_preflight (the csi_driver role's values)
    through_role(local_csi_driver_preflight, "release_name", "Local_CSI", "helm-release-name", "csi_driver"),
    through_role(local_csi_driver_preflight, "release_name", "x" * 54, "helm-release-name", "csi_driver"),
    through_role(local_csi_driver_preflight, "release_namespace", "kube_system", "dns-label", "csi_driver"),
    through_role(local_csi_driver_preflight, "storage_class_name", "Local", "dns-subdomain", "csi_driver"),
    through_role(
        local_csi_driver_preflight, "image_registry", "https://mirror.example.com", "image-registry", "csi_driver"
    ),
    through_role(local_csi_driver_preflight, "image_registry", "mirror example.com", "image-registry", "csi_driver"),
    through_role(
        local_csi_driver_preflight, "image_registry", "mirror.example.com:99999", "image-registry", "csi_driver"
    ),
    module_only(local_csi_driver_preflight, "image_registry", "mirror.example.com/Mirror", "image-registry"),
    through_role(local_csi_driver_preflight, "image_tag", "v1 latest", "image-tag", "csi_driver"),
    through_role(
        local_csi_driver_preflight,
        "node_selector['kubernetes.io/os']",
        {"kubernetes.io/os": ["linux"]},
        "label-value",
        "csi_driver",
    ),
    through_role(
        local_csi_driver_preflight, "node_selector['node role']", {"node role": "edge"}, "label-key", "csi_driver"
    ),
    through_role(local_csi_driver_preflight, "volume_group", "vg\n", "single-line", "csi_driver"),
    (
        local_csi_driver_preflight,
        dict(storage_class=dict(mount_options=["noatime,"])),
        "storage_class.mount_options[0]",
        "mount-options",
        "csi_driver",
        dict(csi_driver_storage_class_mount_options=["noatime,"]),
        "csi_driver_storage_class_mount_options[0]",
    ),
    through_role(local_csi_driver_preflight, "addon_models", "Model A", "list", "csi_driver"),
]

# Role variables no module option mirrors one to one: (role, variables, variable reported, rule id).
ROLE_TABLE = [
    (
        "arc_extension",
        dict(arc_extension_storage_account_ids=[RG_ID]),
        "arc_extension_storage_account_ids[0]",
        "storage-account-id",
    ),
    (
        "arc_extension",
        dict(arc_extension_storage_account_ids=["/subscriptions/" + SUB]),
        "arc_extension_storage_account_ids[0]",
        "storage-account-id",
    ),
    (
        "arc_extension",
        dict(arc_extension_storage_account_ids=[RG_ID + "/providers/Microsoft.Storage/storageAccounts/Edge_Blobs"]),
        "arc_extension_storage_account_ids[0]",
        "storage-account-id",
    ),
    (
        "arc_extension",
        dict(arc_extension_storage_account_ids=[ACCOUNT_ID, ACCOUNT_ID.upper()]),
        "arc_extension_storage_account_ids[1]",
        "unique",
    ),
    role_case("arc_extension", "arc_extension_storage_account_ids", ACCOUNT_ID, "list"),
    role_case("arc_extension", "arc_extension_identity_mode", "federated", "choice"),
    ("arc_extension", dict(arc_extension_identity_mode="workload"), "arc_extension_oidc_issuer_url", "required"),
    (
        "arc_extension",
        dict(
            arc_extension_identity_mode="workload",
            arc_extension_oidc_issuer_url="https://oidc.example/1",
            arc_workload_identity_enabled=False,
        ),
        "arc_workload_identity_enabled",
        "required",
    ),
    role_case("arc_extension", "arc_extension_cert_manager", "yes", "choice"),
    role_case("arc_extension", "arc_extension_cert_manager_version", "v1", "semantic-version"),
    role_case("arc_extension", "arc_extension_cert_manager_name", "Cert Manager", "arc-extension-name"),
    role_case("arc_extension", "arc_extension_subscription_id", "my-subscription", "guid"),
    role_case("arc_extension", "arc_extension_cloud_environment", "Azure", "https-url"),
    role_case("arc_extension", "arc_extension_client_id", "abc", "guid"),
    role_case("arc_extension", "arc_extension_auto_upgrade", "maybe", "boolean"),
    role_case("arc_extension", "arc_extension_auto_upgrade_mode", "minor", "choice"),
    (
        "arc_extension",
        dict(arc_extension_version="2.12.0", arc_extension_auto_upgrade=True),
        "arc_extension_auto_upgrade",
        "exclusive",
    ),
    role_case("csi_driver", "csi_driver_chart_version", "v0.3", "semantic-version"),
    role_case("csi_driver", "csi_driver_chart_ref", "oci://Local CSI/chart", "image-registry"),
    role_case("csi_driver", "csi_driver_chart_ref", "charts/local csi", "chart-ref"),
    role_case("csi_driver", "csi_driver_storage_class_fstype", "btrfs", "choice"),
    role_case("csi_driver", "csi_driver_storage_class_reclaim_policy", "Recycle", "choice"),
    role_case("csi_driver", "csi_driver_node_hosts", "node1", "list"),
    role_case("csi_driver", "csi_driver_wait_timeout", "soon", "positive-integer"),
    role_case("csi_driver", "csi_driver_nvme_info_var", "my-var", "variable-name"),
    role_case("csi_driver", "csi_driver_state", "installed", "choice"),
    role_case("csi_driver", "csi_driver_k8s_auth", "~/.kube/config", "dict"),
    role_case("csi_driver", "csi_driver_storage_class_default", "sometimes", "boolean"),
    role_case("edge_volumes", "edge_volumes_configuration_owner", "me", "choice"),
    (
        "edge_volumes",
        dict(edge_volumes_teardown_workloads=[{"kind": "Deployment", "name": "Writer"}]),
        "edge_volumes_teardown_workloads[0].name",
        "dns-subdomain",
    ),
    role_case("edge_volumes", "edge_volumes_teardown_workloads", {"kind": "Deployment", "name": "writer"}, "list"),
    role_case("edge_volumes", "edge_volumes_api", "v2", "choice"),
    role_case("edge_volumes", "edge_volumes_delete_retained_data", "sure", "boolean"),
    role_case("csi_driver", "csi_driver_image_pull_secret_name", "Pull_Secret", "dns-subdomain"),
    role_case("edge_volumes", "edge_volumes_wait_sleep", -1, "non-negative-number"),
    role_case(
        "edge_volumes", "edge_volumes_workload_identity", dict(client_id=GUID, tenant_id=GUID, tenant="x"), "choice"
    ),
    (
        "edge_volumes",
        dict(edge_volumes_list=volume() + volume() + cloud(sub(), sub(name="Cam"))),
        "edge_volumes_list[2].subvolumes[1].name",
        "dns-label",
    ),
]


def run_module(module, changes):
    args = dict(BASE[module])
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return refusal(module, args, {k8s_module: ["objects_for"], arm_module: ["arm_client_for_module"]})


def _case_id(row):
    return "%s-%s-%s" % (row[0].__name__.rsplit(".", 1)[-1], row[2], row[3])


def test_table_is_large_enough_and_names_every_rule():
    assert len(TABLE) + len(ROLE_TABLE) >= 80
    used = {row[3] for row in TABLE} | {row[3] for row in ROLE_TABLE}
    assert set(common_inputs.RULES) - used == set(), "cluster rules without a wrong input in the table"


@pytest.mark.parametrize(
    "module,changes,option,rule,role,role_changes,variable", TABLE, ids=[_case_id(row) for row in TABLE]
)
def test_module_refuses_before_any_request(module, changes, option, rule, role, role_changes, variable):
    result = run_module(module, changes)
    assert result["failed"], result
    if rule is None:  # AnsibleModule's own type check: the option and the expected type are named
        assert "'%s'" % option in result["msg"] and "unable to convert to" in result["msg"], result["msg"]
    else:
        expected = "%s: " % option
        assert any(error.startswith(expected) and error.endswith("(rule %s)" % rule) for error in result["errors"]), (
            result["errors"]
        )
        assert result["msg"].startswith("invalid input, nothing was changed: ")
    assert str(SECRET) not in result["msg"]  # protected values are never echoed
    if role is not None:
        # The same input through the role variable that feeds this option: validate.yml reports it too.
        variables = dict(ROLE_BASE[role], **role_changes)
        errors = cluster_role_inputs.role_input_errors(role, variables)
        assert any(
            error.startswith(variable + ":") or error.startswith(variable + "[") or error.startswith(variable + ".")
            for error in errors
        ), errors
        if rule is not None:
            assert any(
                error.endswith("(rule %s)" % rule) or error.endswith("(rule %s)" % ROLE_RULE.get(variable))
                for error in errors
            ), errors
        assert errors == cluster_role_inputs.cluster_input_errors(variables)[: len(errors)] or all(
            error in cluster_role_inputs.cluster_input_errors(variables) for error in errors
        )


@pytest.mark.parametrize("role,variables,variable,rule", ROLE_TABLE, ids=["%s-%s" % (r[0], r[2]) for r in ROLE_TABLE])
def test_role_variables_are_refused_with_their_name(role, variables, variable, rule):
    errors = cluster_role_inputs.role_input_errors(role, dict(ROLE_BASE[role], **variables))
    assert any(error.startswith(variable + ": ") and error.endswith("(rule %s)" % rule) for error in errors), errors
    assert all(
        error in cluster_role_inputs.cluster_input_errors(dict(ROLE_BASE[role], **variables)) for error in errors
    )


@pytest.mark.parametrize("module", sorted(BASE, key=lambda m: m.__name__), ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_valid_baselines_pass_validation(module):
    """The baselines are valid: each case above fails only for its own change (the module reaches its client)."""
    try:
        result = run_module(module, {})
    except AssertionError as error:  # the ARM modules: the client factory itself was reached
        result = {"msg": str(error)}
    assert any("bad input reached %s(" % name in result["msg"] for name in ("objects_for", "arm_client_for_module")), (
        result
    )


def test_every_error_is_reported_at_once():
    variables = dict(
        edge_volumes_list=volume(size="0") + volume(name="Scratch") + cloud(sub(name="Cam")), edge_volumes_api="v2"
    )
    errors = cluster_role_inputs.role_input_errors("edge_volumes", variables)
    assert [error.split(":", 1)[0] for error in errors] == [
        "edge_volumes_list[0].size",
        "edge_volumes_list[1].name",
        "edge_volumes_list[2].subvolumes[0].name",
        "edge_volumes_api",
    ]


def test_role_defaults_are_valid():
    for role in cluster_role_inputs.ROLE_CHECKS:
        assert cluster_role_inputs.role_input_errors(role, ROLE_BASE[role]) == []


def test_inventory_plugin_options():
    errors = arc_inventory.inventory_option_errors(["my-subscription", SUB], ["rg-edge.", "rg-edge"])
    assert errors == [
        "subscription_ids[0]: 'my-subscription' is not a GUID (8-4-4-4-12 hexadecimal digits) (rule guid)",
        "resource_groups[0]: 'rg-edge.' is invalid: a resource group name is 1-90 letters, digits, '-', '_', '.', "
        "'(' and ')', not ending in '.' (rule resource-group)",
    ]
