"""acstor.edge.arc_extension / arc_extension_info through real ansible-playbook against the HTTPS ARM test server."""

import shutil

import pytest

RG, CLUSTER, NAME = "rg-edge", "store-0042", "azure-arc-containerstorage"
EXTENSION_PATH = (
    "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-edge/providers/"
    "Microsoft.Kubernetes/connectedClusters/store-0042/providers/Microsoft.KubernetesConfiguration/"
    "extensions/azure-arc-containerstorage"
)


def extension_task(name, settings=None, extra="", state="present", register="result", wait_timeout=60):
    settings = settings or {"edgeStorageConfiguration.create": "true", "feature.diskStorageClass": "default,local-path"}
    lines = "\n".join('        {0}: "{1}"'.format(k, v) for k, v in settings.items())
    if state == "absent":
        return """
- name: {name}
  acstor.edge.arc_extension:
    resource_group: {rg}
    cluster_name: {cluster}
    name: {ext}
    state: absent
{extra}  register: {register}
""".format(name=name, rg=RG, cluster=CLUSTER, ext=NAME, extra=extra, register=register)
    return """
- name: {name}
  acstor.edge.arc_extension:
    resource_group: {rg}
    cluster_name: {cluster}
    name: {ext}
    extension_type: microsoft.arc.containerstorage
    version: 2.12.0
    release_train: stable
    scope: cluster
    release_namespace: azure-arc-containerstorage
    identity: SystemAssigned
    wait_timeout: {wait_timeout}
    configuration_settings:
{settings}
{extra}  register: {register}
""".format(
        name=name,
        rg=RG,
        cluster=CLUSTER,
        ext=NAME,
        settings=lines,
        extra=extra,
        register=register,
        wait_timeout=wait_timeout,
    )


def assert_clean(server):
    assert server.state.violations == [], server.state.violations


def test_check_mode_sends_no_write(arm_server, playbook):
    rc, results, output = playbook.run(extension_task("plan create"), check=True, diff=True)
    assert rc == 0, output
    result = results["plan create"]
    assert result["changed"] is True
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["configurationSettings"]["feature.diskStorageClass"] == "default,local-path"
    assert arm_server.state.writes() == []
    assert any(r["method"] == "GET" and r["path"] == EXTENSION_PATH for r in arm_server.state.requests)
    assert_clean(arm_server)


def test_lifecycle_create_idempotent_change_delete(arm_server, playbook):
    changed_settings = {
        "edgeStorageConfiguration.create": "true",
        "feature.diskStorageClass": "acstor-arccontainerstorage-storage-pool",
    }
    tasks = (
        extension_task("create")
        + extension_task("rerun")
        + extension_task("change one setting", changed_settings, extra="  diff: true\n")
        + """
- name: info
  acstor.edge.arc_extension_info:
    resource_group: {rg}
    cluster_name: {cluster}
    extension_type: Microsoft.Arc.ContainerStorage
  register: info
""".format(rg=RG, cluster=CLUSTER)
        + extension_task("delete", state="absent")
        + extension_task("delete again", state="absent")
    )
    rc, results, output = playbook.run(tasks)
    assert rc == 0, output

    created = results["create"]
    assert created["changed"] is True
    assert created["provisioning_state"] == "Succeeded"
    assert created["principal_id"] == created["extension"]["identity"]["principalId"]
    assert any("Succeeded" in line for line in created["progress"])

    assert results["rerun"]["changed"] is False
    assert results["rerun"]["actions"] == []

    change = results["change one setting"]
    assert change["changed"] is True
    assert change["actions"] == [
        "configurationSettings.feature.diskStorageClass: default,local-path → acstor-arccontainerstorage-storage-pool"
    ]
    before, after = change["diff"]["before"], change["diff"]["after"]
    differing = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    assert differing == ["configurationSettings"]
    settings_before, settings_after = before["configurationSettings"], after["configurationSettings"]
    assert {k for k in settings_after if settings_before[k] != settings_after[k]} == {"feature.diskStorageClass"}
    patches = arm_server.state.bodies("PATCH", NAME)
    assert patches == [
        {
            "properties": {
                "configurationSettings": {"feature.diskStorageClass": "acstor-arccontainerstorage-storage-pool"}
            }
        }
    ]

    assert [e["name"] for e in results["info"]["extensions"]] == [NAME]

    assert results["delete"]["changed"] is True
    assert results["delete again"]["changed"] is False
    assert arm_server.state.extensions == {}
    # One PUT (create), one PATCH (setting), one DELETE: the rerun wrote nothing.
    assert [r["method"] for r in arm_server.state.writes()] == ["PUT", "PATCH", "DELETE"]
    assert_clean(arm_server)


def test_throttling_and_server_errors_are_retried(arm_server, playbook):
    arm_server.state.add_fault("PUT", NAME, 429, count=1, retry_after="1")
    arm_server.state.add_fault("GET", NAME, 500, count=1)
    rc, results, output = playbook.run(extension_task("create"))
    assert rc == 0, output
    progress = "\n".join(results["create"]["progress"])
    assert "HTTP 429, Retry-After 1; waiting 1s before retry 1/4" in progress
    assert "HTTP 500; waiting 1s before retry 1/4" in progress
    assert [r["method"] for r in arm_server.state.writes()] == ["PUT", "PUT"]
    assert_clean(arm_server)


def test_retries_are_bounded_and_errors_carry_code_and_correlation_id(arm_server, playbook):
    arm_server.state.add_fault("PUT", NAME, 503, count=10, retry_after="0", code="ServiceUnavailable")
    rc, results, output = playbook.run(extension_task("create"))
    assert rc != 0
    msg = results["create"]["msg"]
    assert "HTTP 503 ServiceUnavailable" in msg and "correlation id" in msg, msg
    assert len([r for r in arm_server.state.requests if r["method"] == "PUT"]) == 5  # 1 + max_retries


def test_failed_operation_surfaces_extension_error_details(arm_server, playbook):
    arm_server.state.behaviour.lro_result = "Failed"
    rc, results, output = playbook.run(extension_task("create"))
    assert rc != 0
    result = results["create"]
    assert "HelmInstallFailed" in result["msg"] and "cert-manager not found" in result["msg"], result["msg"]
    assert result["provisioning_state"] == "Failed"


def test_slow_operation_times_out(arm_server, playbook):
    arm_server.state.behaviour.lro_polls = 1000
    rc, results, output = playbook.run(extension_task("create", wait_timeout=3))
    assert rc != 0
    assert "timed out after" in results["create"]["msg"], results["create"]["msg"]


def test_principal_id_that_appears_late_is_awaited(arm_server, playbook):
    arm_server.state.behaviour.principal_lag_reads = 2
    rc, results, output = playbook.run(extension_task("create"))
    assert rc == 0, output
    assert results["create"]["principal_id"]
    assert any("waiting for its principal id" in line for line in results["create"]["progress"])


def test_verbose_output_holds_no_secret_or_token(arm_server, playbook):
    task = extension_task(
        "create", extra="    configuration_protected_settings:\n      storageKey: Pr0tected-Value-42\n"
    )
    rc, _results, output = playbook.run(task, verbosity=3, diff=True, text=True)
    assert rc == 0, output
    assert arm_server.state.issued_tokens, "the service-principal flow did not run"
    for secret in [arm_server.state.client_secret, "Pr0tected-Value-42"] + arm_server.state.issued_tokens:
        assert secret not in output
    assert "Bearer " not in output
    assert arm_server.state.bodies("PUT", NAME)[0]["properties"]["configurationProtectedSettings"] == {
        "storageKey": "Pr0tected-Value-42"
    }


def test_bad_input_is_refused_before_any_write(arm_server, playbook):
    base = """
- name: {case}
  acstor.edge.arc_extension:
    resource_group: {rg}
    cluster_name: {cluster}
    cluster_type: {cluster_type}
    name: acsa
    extension_type: microsoft.arc.containerstorage
{extra}  ignore_errors: true
{env}"""
    no_service_principal = "  environment:\n    AZURE_CLIENT_ID: ''\n    AZURE_SECRET: ''\n    AZURE_TENANT: ''\n"
    cases = {
        "malformed resource group": dict(rg="rg/../other", expect="resource_group: 'rg/../other' is invalid"),
        "malformed cluster name": dict(cluster="'bad name?'", expect="cluster_name: 'bad name?' is invalid"),
        "unknown cluster_type": dict(cluster_type="fooClusters", expect="value of cluster_type must be one of"),
        "protected setting not a string": dict(
            extra="    configuration_protected_settings:\n      token: 12345\n",
            expect="configuration_protected_settings['token']: must be a string",
        ),
        "setting not a string": dict(
            extra="    configuration_settings:\n      edgeStorageConfiguration.create: true\n",
            expect="configuration_settings['edgeStorageConfiguration.create']: must be a string",
        ),
        "version with auto upgrade": dict(
            extra="    version: 2.12.0\n    auto_upgrade_minor_version: true\n",
            expect="auto_upgrade_minor_version: must be false",
        ),
        "missing credentials": dict(
            extra="    auth_source: env\n",
            env=no_service_principal,
            expect="AZURE_CLIENT_ID, AZURE_SECRET (or AZURE_X509_CERTIFICATE_PATH) and AZURE_TENANT",
        ),
        "missing subscription": dict(
            env="  environment:\n    AZURE_SUBSCRIPTION_ID: ''\n",
            expect="set option subscription_id or environment AZURE_SUBSCRIPTION_ID",
        ),
        "wrong client secret": dict(env="  environment:\n    AZURE_SECRET: not-the-secret\n", expect="AADSTS7000215"),
        "incomplete service principal": dict(
            extra="    secret: only-a-secret\n",
            expect="Incomplete service principal in module options: client_id, tenant missing",
        ),
        "ARM 403": dict(expect="HTTP 403 AuthorizationFailed"),
    }
    if shutil.which("az") is None:
        cases["no credentials anywhere"] = dict(
            env=no_service_principal,
            expect="Looked at: module options client_id+secret+tenant",
        )
    arm_server.state.add_fault("PUT", "/extensions/acsa", 403, count=1, code="AuthorizationFailed")
    tasks = "".join(
        base.format(
            case=case,
            rg=spec.get("rg", RG),
            cluster=spec.get("cluster", CLUSTER),
            cluster_type=spec.get("cluster_type", "connectedClusters"),
            extra=spec.get("extra", ""),
            env=spec.get("env", ""),
        )
        for case, spec in cases.items()
    )
    rc, results, output = playbook.run(tasks)
    assert rc == 0, output  # every failure was ignored
    for case, spec in cases.items():
        result = results[case]
        assert result.get("failed") is True, (case, result)
        assert spec["expect"] in result["msg"], (case, result["msg"])
        assert "12345" not in result["msg"]
    assert arm_server.state.extensions == {}
    assert [r["path"].rsplit("/", 1)[-1] for r in arm_server.state.writes()] == ["acsa"]  # only the refused 403 PUT


@pytest.mark.parametrize("policy,expect_changed", [("create_only", False), ("always", True)])
def test_protected_settings_policy(arm_server, playbook, policy, expect_changed):
    extra = "    protected_settings_policy: {0}\n    configuration_protected_settings:\n      storageKey: k1\n".format(
        policy
    )
    rc, results, output = playbook.run(extension_task("create", extra=extra) + extension_task("rerun", extra=extra))
    assert rc == 0, output
    assert results["rerun"]["changed"] is expect_changed
    patches = arm_server.state.bodies("PATCH", NAME)
    if expect_changed:
        assert patches == [{"properties": {"configurationProtectedSettings": {"storageKey": "k1"}}}]
    else:
        assert patches == []
