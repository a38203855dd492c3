"""Extension planning: settings diffed key by key, request bodies, validation, failure details."""

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.azure.extension import (
    ExtensionConflict,
    ExtensionSpec,
    build_create_body,
    extension_failure,
    extension_path,
    operation_in_progress,
    plan_extension,
    principal_id,
    validate_spec,
)

from cluster_examples import EXTENSION


def spec(**overrides):
    values = dict(
        EXTENSION,
        identity="SystemAssigned",
        configuration_settings={"edgeStorageConfiguration.create": "true", "feature.diskStorageClass": "default"},
    )
    values.update(overrides)
    return ExtensionSpec(**values)


def current(settings=None, **properties):
    props = {
        "extensionType": "Microsoft.Arc.ContainerStorage",
        "version": "2.12.0",
        "releaseTrain": "Stable",
        "autoUpgradeMinorVersion": False,
        "provisioningState": "Succeeded",
        "scope": {"cluster": {"releaseNamespace": "azure-arc-containerstorage"}},
        "configurationSettings": settings
        if settings is not None
        else {"edgeStorageConfiguration.create": "true", "feature.diskStorageClass": "default", "setByOthers": "x"},
    }
    props.update(properties)
    return {
        "name": "azure-arc-containerstorage",
        "identity": {"type": "SystemAssigned", "principalId": "p"},
        "properties": props,
    }


def test_create_body_pins_version_and_turns_auto_upgrade_off():
    body = build_create_body(spec())
    assert body == {
        "identity": {"type": "SystemAssigned"},
        "properties": {
            "extensionType": "microsoft.arc.containerstorage",
            "autoUpgradeMinorVersion": False,
            "releaseTrain": "stable",
            "version": "2.12.0",
            "scope": {"cluster": {"releaseNamespace": "azure-arc-containerstorage"}},
            "configurationSettings": {"edgeStorageConfiguration.create": "true", "feature.diskStorageClass": "default"},
        },
    }


def test_plan_create_when_missing():
    plan = plan_extension(None, spec())
    assert plan.action == "create" and plan.body["properties"]["version"] == "2.12.0"


def test_plan_nothing_when_owned_fields_match_case_insensitively_and_foreign_keys_are_ignored():
    assert plan_extension(current(), spec()).action == "none"


def test_plan_patches_only_the_changed_setting():
    plan = plan_extension(
        current(),
        spec(
            configuration_settings={
                "edgeStorageConfiguration.create": "true",
                "feature.diskStorageClass": "default,local-path",
            }
        ),
    )
    assert plan.action == "update"
    assert plan.body == {"properties": {"configurationSettings": {"feature.diskStorageClass": "default,local-path"}}}
    assert plan.describe() == ["configurationSettings.feature.diskStorageClass: default → default,local-path"]


def test_plan_version_change_also_pins_auto_upgrade_off():
    plan = plan_extension(current(), spec(version="2.12.1"))
    assert plan.body == {"properties": {"version": "2.12.1", "autoUpgradeMinorVersion": False}}


def test_plan_adding_identity_is_a_full_put_that_keeps_foreign_settings():
    existing = current()
    existing.pop("identity")
    plan = plan_extension(existing, spec())
    assert plan.action == "replace"
    assert plan.body["identity"] == {"type": "SystemAssigned"}
    assert plan.body["properties"]["configurationSettings"]["setByOthers"] == "x"


def test_plan_retries_failed_install_with_put():
    assert plan_extension(current(provisioningState="Failed"), spec()).action == "replace"


def test_protected_settings_policy():
    protected = {"key": "value"}
    assert plan_extension(current(), spec(configuration_protected_settings=protected)).action == "none"
    plan = plan_extension(
        current(), spec(configuration_protected_settings=protected, protected_settings_policy="always")
    )
    assert plan.body == {"properties": {"configurationProtectedSettings": protected}}
    assert "value" not in " ".join(plan.describe())


@pytest.mark.parametrize(
    "existing_props,message",
    [
        ({"extensionType": "microsoft.iotoperations.platform"}, "exists with extension_type"),
        ({"scope": {"namespace": {"targetNamespace": "x"}}}, "scope cannot change"),
        ({"scope": {"cluster": {"releaseNamespace": "other"}}}, "scope cannot change"),
    ],
)
def test_immutable_fields_conflict(existing_props, message):
    with pytest.raises(ExtensionConflict, match=message):
        plan_extension(current(**existing_props), spec())


def test_absent():
    assert plan_extension(None, spec(), "absent").action == "none"
    assert plan_extension(current(), spec(), "absent").action == "delete"


@pytest.mark.parametrize(
    "overrides,fragment",
    [
        (dict(resource_group="rg/x"), "resource_group: 'rg/x' is invalid"),
        (dict(resource_group="rg."), "not ending in '.'"),
        (dict(resource_group="r" * 91), "resource_group: "),
        (dict(cluster_name="a b"), "cluster_name: 'a b' is invalid"),
        (dict(cluster_name="a..b"), "cluster_name: "),
        (dict(name="-x"), "name: '-x' is invalid"),
        (dict(cluster_type="fooClusters"), "cluster_type: 'fooClusters' is not one of"),
        (dict(extension_type=""), "extension_type: is required"),
        (dict(auto_upgrade_minor_version=True), "auto_upgrade_minor_version: must be false"),
        (dict(scope="namespace", release_namespace=None), "target_namespace: is required with scope=namespace"),
        (dict(release_namespace="Bad_NS"), "release_namespace: 'Bad_NS' is invalid"),
        (dict(configuration_settings={"a": True}), "configuration_settings['a']: must be a string"),
        (dict(configuration_protected_settings={"k": 42}), "configuration_protected_settings['k']: must be a string"),
        (dict(scope=None), "release_namespace: needs scope=cluster"),
        (dict(auto_upgrade_mode="minor"), "auto_upgrade_mode: 'minor' is not one of"),
        (dict(release_namespace="ns\n"), "release_namespace: 'ns\\n' contains a newline"),
    ],
)
def test_validation_names_the_input(overrides, fragment):
    errors = validate_spec(spec(**overrides))
    assert any(fragment in error for error in errors), errors
    assert all("42" not in error for error in errors)


def test_valid_spec_and_path():
    assert validate_spec(spec()) == []
    assert extension_path("sub", spec(cluster_type="provisionedClusters")) == (
        "/subscriptions/sub/resourceGroups/rg-edge/providers/Microsoft.HybridContainerService/provisionedClusters/store-0001/"
        "providers/Microsoft.KubernetesConfiguration/extensions/azure-arc-containerstorage"
    )


def test_extension_failure_collects_error_info_and_error_statuses():
    resource = {
        "properties": {
            "errorInfo": {"code": "HelmInstallFailed", "message": "deadline"},
            "statuses": [
                {"level": "Error", "code": "E1", "message": "no cert-manager"},
                {"level": "Information", "code": "I", "message": "ignored"},
            ],
        }
    }
    assert extension_failure(resource) == "HelmInstallFailed: deadline; E1: no cert-manager"
    assert extension_failure({}) == "no error details returned"


def auto_upgrading(**properties):
    """An auto-upgrading extension as ARM returns it: version filled with what the service installed."""
    resource = current(autoUpgradeMinorVersion=True, version="2.12.3", **properties)
    resource.pop("identity")
    return resource


@pytest.mark.parametrize("state", ["Failed", "Succeeded"])
def test_replace_of_an_auto_upgrading_extension_never_sends_version(state):
    plan = plan_extension(auto_upgrading(provisioningState=state), spec(version=None, auto_upgrade_minor_version=True))
    assert plan.action == "replace"
    assert plan.body["properties"]["autoUpgradeMinorVersion"] is True
    assert "version" not in plan.body["properties"]
    # auto-upgrade left unset in the task: the extension's own setting (true) is kept, and still no version
    plan = plan_extension(auto_upgrading(provisioningState=state), spec(version=None))
    assert "version" not in plan.body["properties"]


def test_auto_upgrading_extension_with_its_filled_version_is_unchanged():
    existing = auto_upgrading()
    existing["identity"] = {"type": "SystemAssigned", "principalId": "p"}
    assert plan_extension(existing, spec(version=None, auto_upgrade_minor_version=True)).action == "none"


def test_auto_upgrade_mode_is_compared_and_patched():
    existing = current(autoUpgradeMode="compatible")
    assert plan_extension(existing, spec(auto_upgrade_mode="compatible")).action == "none"
    plan = plan_extension(existing, spec(auto_upgrade_mode="patch"))
    assert plan.body == {"properties": {"autoUpgradeMode": "patch"}}
    assert plan_extension(None, spec(auto_upgrade_mode="none")).body["properties"]["autoUpgradeMode"] == "none"


def test_managed_clusters_get_no_identity_and_report_the_aks_principal():
    aks = spec(cluster_type="managedClusters")
    assert "identity" not in plan_extension(None, aks).body
    existing = current()
    existing.pop("identity")
    existing["properties"]["aksAssignedIdentity"] = {"type": "SystemAssigned", "principalId": "aks-p"}
    assert plan_extension(existing, aks).action == "none"
    assert "identity" not in plan_extension(current(provisioningState="Failed"), aks).body
    assert principal_id(existing) == "aks-p"


def test_appliances_path_and_operation_in_progress():
    assert "/providers/Microsoft.ResourceConnector/appliances/store-0001/" in extension_path(
        "sub", spec(cluster_type="appliances")
    )
    assert operation_in_progress(current(provisioningState="Updating")) == "Updating"
    assert operation_in_progress(current()) is None and operation_in_progress(None) is None


@pytest.mark.parametrize(
    "before, after, refused",
    [
        ("2.12.0", "2.11.2", None),  # a downgrade the notes say nothing about: allowed, with a warning
        ("2.9.0", "2.8.2", None),
        ("2.12.0", "2.7.1", "custom resource kinds"),  # across the subvolume kinds of 2.8.2
        ("2.8.2", "2.7.1-preview", "custom resource kinds"),
        ("2.3.1", "2.1.0-preview", "cannot be upgraded in place"),
        ("2.2.1", "1.2.0-preview", "cannot be upgraded in place"),
    ],
)
def test_downgrades_the_release_notes_make_fail_are_refused_and_the_rest_warned(before, after, refused):
    existing = current(version=before)
    if refused:
        with pytest.raises(ExtensionConflict, match=refused) as raised:
            plan_extension(existing, spec(version=after))
        assert "version: version {0} -> {1} is a downgrade".format(before, after) in str(raised.value)
    else:
        plan = plan_extension(existing, spec(version=after))
        assert plan.body == {"properties": {"version": after, "autoUpgradeMinorVersion": False}}
        assert plan.warnings == [
            "version {0} -> {1} is a downgrade: the extension's release notes neither support nor forbid it, so "
            "whether it works is not known to acstor.edge".format(before, after)
        ]


@pytest.mark.parametrize(
    "before, after, extension_type",
    [
        ("2.11.2", "2.12.0", "microsoft.arc.containerstorage"),  # an upgrade
        ("2.12.0", "2.7.1", "microsoft.iotoperations.platform"),  # not the storage extension: its notes differ
        ("not-a-version", "2.7.1", "microsoft.arc.containerstorage"),
    ],
)
def test_upgrades_and_other_extensions_are_neither_refused_nor_warned(before, after, extension_type):
    existing = current(version=before, extensionType=extension_type)
    plan = plan_extension(existing, spec(version=after, extension_type=extension_type))
    assert plan.action == "update" and plan.warnings == []
