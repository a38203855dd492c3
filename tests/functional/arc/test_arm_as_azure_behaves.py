"""Issue 13: arc_extension and friends against an ARM test server that answers as the published spec does.

Each test goes through real ansible-playbook and the module; each failed before its fix (see the docstrings)."""

import time

from arm_server import SUBSCRIPTION  # tests/servers is put on sys.path by the arc conftest

RG, CLUSTER, NAME = "rg-edge", "store-0042", "azure-arc-containerstorage"
ARC_CLUSTER = "/subscriptions/{0}/resourceGroups/{1}/providers/Microsoft.Kubernetes/connectedClusters/{2}".format(
    SUBSCRIPTION, RG, CLUSTER
)
AKS_CLUSTER = "/subscriptions/{0}/resourceGroups/{1}/providers/Microsoft.ContainerService/managedClusters/aks-7".format(
    SUBSCRIPTION, RG
)
SETTINGS = {"edgeStorageConfiguration.create": "true"}


def task(name, register="result", **options):
    values = dict(
        resource_group=RG,
        cluster_name=CLUSTER,
        name=NAME,
        extension_type="microsoft.arc.containerstorage",
        scope="cluster",
        release_namespace="azure-arc-containerstorage",
        wait_timeout=30,
        configuration_settings=SETTINGS,
    )
    values.update(options)
    lines = []
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, dict):
            lines.append("    {0}:".format(key))
            lines.extend('      {0}: "{1}"'.format(k, v) for k, v in value.items())
        elif isinstance(value, bool):
            lines.append("    {0}: {1}".format(key, str(value).lower()))
        else:
            lines.append('    {0}: "{1}"'.format(key, value))
    return "\n- name: {0}\n  acstor.edge.arc_extension:\n{1}\n  register: {2}\n  ignore_errors: true\n".format(
        name, "\n".join(lines), register
    )


def extension_bodies(server, method):
    return server.state.bodies(method, "/extensions/" + NAME)


def assert_clean(server):
    assert server.state.violations == [], server.state.violations


def test_1_replace_of_an_auto_upgrading_extension_sends_no_version(arm_server, playbook):
    """Before: adding the identity (a full PUT) copied GET's filled-in version next to autoUpgradeMinorVersion true
    and ARM answered 400."""
    tasks = (
        task("create auto-upgrading", auto_upgrade_minor_version=True)
        + task("add identity", auto_upgrade_minor_version=True, identity="SystemAssigned")
        + task("rerun", auto_upgrade_minor_version=True, identity="SystemAssigned")
    )
    rc, results, output = playbook.run(tasks)
    assert results["create auto-upgrading"]["extension"]["properties"]["version"] == "2.12.3"  # ARM fills it in
    added = results["add identity"]
    assert not added.get("failed"), added.get("msg")
    assert added["changed"] is True and added["principal_id"]
    puts = extension_bodies(arm_server, "PUT")
    assert len(puts) == 2
    assert all("version" not in body["properties"] for body in puts), puts
    assert puts[1]["properties"]["autoUpgradeMinorVersion"] is True and puts[1]["identity"] == {
        "type": "SystemAssigned"
    }
    assert results["rerun"]["changed"] is False
    assert_clean(arm_server)


def test_1_failed_auto_upgrading_install_is_retried_without_version(arm_server, playbook):
    arm_server.state.add_extension(
        ARC_CLUSTER,
        NAME,
        {
            "extensionType": "microsoft.arc.containerstorage",
            "autoUpgradeMinorVersion": True,
            "releaseTrain": "Stable",
            "version": "2.12.3",
            "scope": {"cluster": {"releaseNamespace": "azure-arc-containerstorage"}},
            "configurationSettings": SETTINGS,
            "provisioningState": "Failed",
        },
    )
    rc, results, output = playbook.run(task("retry", auto_upgrade_minor_version=True))
    assert not results["retry"].get("failed"), results["retry"].get("msg")
    assert results["retry"]["provisioning_state"] == "Succeeded"
    assert "version" not in extension_bodies(arm_server, "PUT")[0]["properties"]
    assert_clean(arm_server)


def test_2_waits_for_an_operation_in_progress_then_plans_against_the_settled_state(arm_server, playbook):
    """Before: the PATCH went out while the extension was Updating and ARM answered 409 Conflict."""
    arm_server.state.behaviour.lro_polls = 2
    arm_server.state.add_extension(
        ARC_CLUSTER,
        NAME,
        {
            "extensionType": "microsoft.arc.containerstorage",
            "autoUpgradeMinorVersion": True,
            "scope": {"cluster": {"releaseNamespace": "azure-arc-containerstorage"}},
            "configurationSettings": {"edgeStorageConfiguration.create": "false"},
        },
        in_progress="Updating",
    )
    rc, results, output = playbook.run(task("change during upgrade", auto_upgrade_minor_version=True))
    result = results["change during upgrade"]
    assert not result.get("failed"), result.get("msg")
    assert result["settle_wait_seconds"] > 0
    assert any("is Updating (an operation in progress)" in line for line in result["progress"]), result["progress"]
    assert extension_bodies(arm_server, "PATCH") == [{"properties": {"configurationSettings": SETTINGS}}]
    assert result["provisioning_state"] == "Succeeded"
    assert_clean(arm_server)


def test_2_operation_that_does_not_settle_fails_naming_state_and_wait_without_writing(arm_server, playbook):
    arm_server.state.behaviour.lro_polls = 100000
    arm_server.state.add_extension(
        ARC_CLUSTER, NAME, {"extensionType": "microsoft.arc.containerstorage"}, in_progress="Deleting"
    )
    rc, results, output = playbook.run(task("blocked", wait_timeout=4))
    result = results["blocked"]
    assert result["failed"] is True
    assert "still Deleting after waiting" in result["msg"] and "wait_timeout 4s" in result["msg"], result["msg"]
    assert "nothing was changed" in result["msg"]
    assert arm_server.state.writes() == []


def test_3_inventory_reads_issuer_and_workload_identity_at_2026_05_01(arm_server, playbook, tmp_path):
    """Before: the plugin listed at 2024-01-01, whose schema (and so ARM's answer) has no oidcIssuerProfile."""
    from test_arc_clusters_inventory import run_inventory  # pylint: disable=import-outside-toplevel

    state = arm_server.state
    state.add_cluster(SUBSCRIPTION, RG, "with-issuer", oidc_issuer="https://oidc.example/with-issuer")
    state.add_cluster(
        SUBSCRIPTION, RG, "webhook-off", oidc_issuer="https://oidc.example/webhook-off", workload_identity=False
    )
    state.add_cluster(SUBSCRIPTION, RG, "no-issuer")
    process = run_inventory(playbook, tmp_path, "plugin: acstor.edge.arc_clusters\n")
    assert process.returncode == 0, process.stderr
    hostvars = process.inventory["_meta"]["hostvars"]
    assert hostvars["with-issuer"]["arc_oidc_issuer_url"] == "https://oidc.example/with-issuer"
    assert hostvars["with-issuer"]["arc_workload_identity_enabled"] is True
    assert hostvars["webhook-off"]["arc_workload_identity_enabled"] is False
    assert "arc_oidc_issuer_url" not in hostvars["no-issuer"]
    assert {r["query"]["api-version"] for r in state.requests if "connectedClusters" in r["path"]} == {"2026-05-01"}
    assert_clean(arm_server)


def test_3_workload_identity_on_a_cluster_without_issuer_fails_naming_cluster_and_az_step(arm_server, playbook):
    tasks = """
- name: Arc extension role
  ansible.builtin.include_role:
    name: acstor.edge.arc_extension
  vars:
    arc_extension_resource_group: {rg}
    arc_extension_cluster_name: no-issuer
    arc_extension_identity_mode: workload
    arc_extension_workload_identity_location: westeurope
    arc_extension_wait_timeout: 30
""".format(rg=RG)
    rc, results, output = playbook.run(tasks)
    assert rc != 0
    failed = [r for r in results.values() if r.get("failed")]
    assert len(failed) == 1, output[-3000:]
    msg = failed[0]["msg"]
    assert "cluster no-issuer has no OIDC issuer" in msg, msg
    assert arm_server.state.requests == [] or all(r["method"] == "GET" for r in arm_server.state.requests)
    assert (
        "az connectedk8s update --enable-oidc-issuer --enable-workload-identity --name no-issuer --resource-group rg-edge"
        in msg
    )
    assert arm_server.state.identities == {}


def test_4_managed_clusters_send_no_identity_and_use_the_aks_principal(arm_server, playbook):
    """Before: identity SystemAssigned was sent and the module waited for identity.principalId, which AKS never
    returns, until wait_timeout."""
    tasks = task(
        "aks", cluster_type="managedClusters", cluster_name="aks-7", identity="SystemAssigned", wait_timeout=10
    ) + task(
        "aks rerun", cluster_type="managedClusters", cluster_name="aks-7", identity="SystemAssigned", wait_timeout=10
    )
    rc, results, output = playbook.run(tasks)
    result = results["aks"]
    assert not result.get("failed"), result.get("msg")
    aks_principal = result["extension"]["properties"]["aksAssignedIdentity"]["principalId"]
    assert result["principal_id"] == aks_principal and "identity" not in result["extension"]
    assert "identity" not in extension_bodies(arm_server, "PUT")[0]
    assert "/Microsoft.ContainerService/managedClusters/aks-7/" in arm_server.state.writes()[0]["path"]
    assert results["aks rerun"]["changed"] is False
    assert_clean(arm_server)


def test_4_appliances_cluster_type(arm_server, playbook):
    rc, results, output = playbook.run(task("bridge", cluster_type="appliances", cluster_name="bridge-1"))
    assert not results["bridge"].get("failed"), results["bridge"].get("msg")
    assert "/providers/Microsoft.ResourceConnector/appliances/bridge-1/" in arm_server.state.writes()[0]["path"]
    assert_clean(arm_server)


def test_5_validation_refuses_before_any_request(arm_server, playbook):
    """Before: release_namespace without scope=cluster and bad federated credential names reached ARM."""
    tasks = (
        task("no scope", scope=None)
        + task("bad mode", auto_upgrade_mode="minor")
        + """
- name: bad credential name
  acstor.edge.arm_user_assigned_identity:
    resource_group: {rg}
    name: acsa-store-0042
    location: westeurope
    federated_credentials:
      - name: "{long}"
        issuer: https://oidc.example/x
        subject: system:serviceaccount:a:b
      - name: "with.dot"
        issuer: https://oidc.example/x
        subject: system:serviceaccount:a:c
  register: credential
  ignore_errors: true
""".format(rg=RG, long="a" * 121)
    )
    rc, results, output = playbook.run(tasks)
    assert "release_namespace: needs scope=cluster" in results["no scope"]["msg"]
    assert "auto_upgrade_mode" in results["bad mode"]["msg"]
    msg = results["bad credential name"]["msg"]
    assert "federated_credentials[0].name: '{0}' is invalid".format("a" * 121) in msg, msg
    assert "federated_credentials[1].name: 'with.dot' is invalid" in msg, msg
    assert arm_server.state.requests == []


def test_5_auto_upgrade_mode_is_set_and_compared(arm_server, playbook):
    tasks = (
        task("mode patch", auto_upgrade_minor_version=True, auto_upgrade_mode="patch")
        + task("mode again", auto_upgrade_minor_version=True, auto_upgrade_mode="patch")
        + task("mode none", auto_upgrade_minor_version=True, auto_upgrade_mode="none")
    )
    rc, results, output = playbook.run(tasks)
    assert extension_bodies(arm_server, "PUT")[0]["properties"]["autoUpgradeMode"] == "patch"
    assert results["mode again"]["changed"] is False
    assert extension_bodies(arm_server, "PATCH") == [{"properties": {"autoUpgradeMode": "none"}}]
    assert_clean(arm_server)


def test_6_retry_after_beyond_the_module_timeout_is_not_slept_through(arm_server, playbook):
    """Before: a Retry-After was capped at 60 s and slept, whatever the module's wait_timeout."""
    arm_server.state.add_fault("PUT", NAME, 429, count=1, retry_after="30", code="TooManyRequests")
    start = time.monotonic()
    rc, results, output = playbook.run(task("throttled", wait_timeout=5))
    elapsed = time.monotonic() - start
    msg = results["throttled"]["msg"]
    assert "HTTP 429" in msg and "ARM asked to retry after 30s (Retry-After), more than the 5s left" in msg, msg
    assert elapsed < 25, elapsed


def test_6_retry_after_within_the_timeout_is_honoured_and_reported(arm_server, playbook):
    arm_server.state.add_fault("PUT", NAME, 429, count=1, retry_after="2", code="TooManyRequests")
    rc, results, output = playbook.run(task("throttled", wait_timeout=30))
    result = results["throttled"]
    assert not result.get("failed"), result.get("msg")
    assert any(
        "HTTP 429, Retry-After 2; waiting 2s before retry 1/4 (2s waited for retries so far)" in line
        for line in result["progress"]
    ), result["progress"]


def test_7_identity_is_added_by_put_and_patch_never_carries_it(arm_server, playbook):
    """The spec copy the server validates against has no identity in patchExtension: a PATCH with it would be a
    400 there. Adding the identity stays a full PUT, valid under either published variant."""
    tasks = task("plain", version="2.12.0") + task("with identity", version="2.12.0", identity="SystemAssigned")
    rc, results, output = playbook.run(tasks)
    assert not results["with identity"].get("failed"), results["with identity"].get("msg")
    assert extension_bodies(arm_server, "PATCH") == []
    assert [body.get("identity") for body in extension_bodies(arm_server, "PUT")] == [None, {"type": "SystemAssigned"}]
    assert_clean(arm_server)


def test_8_downgrades_the_release_notes_make_fail_are_refused_and_others_warned(arm_server, playbook):
    """Issue 16: a pinned older version (a user's or the rollout's rollback) is refused across the 2.8.2 subvolume
    kinds, without a write; a downgrade the release notes say nothing about goes ahead with a warning saying so."""
    arm_server.state.add_extension(
        ARC_CLUSTER,
        NAME,
        {
            "extensionType": "microsoft.arc.containerstorage",
            "autoUpgradeMinorVersion": False,
            "releaseTrain": "Stable",
            "version": "2.12.0",
            "scope": {"cluster": {"releaseNamespace": "azure-arc-containerstorage"}},
            "configurationSettings": SETTINGS,
        },
    )
    rc, results, output = playbook.run(task("across 2.8.2", version="2.7.1") + task("to 2.11.2", version="2.11.2"))
    refused = results["across 2.8.2"]
    assert refused["failed"] is True
    assert "version: version 2.12.0 -> 2.7.1 is a downgrade across 2.8.2" in refused["msg"], refused["msg"]
    assert extension_bodies(arm_server, "PATCH")[:1] == [
        {"properties": {"version": "2.11.2", "autoUpgradeMinorVersion": False}}
    ]
    warned = results["to 2.11.2"]
    assert not warned.get("failed") and warned["changed"] is True, warned.get("msg")
    assert any("2.12.0 -> 2.11.2 is a downgrade" in w and "not known" in w for w in warned.get("warnings", [])), warned
    assert len(arm_server.state.writes()) == 1  # only the allowed downgrade wrote
    assert_clean(arm_server)
