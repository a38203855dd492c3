import pytest

from ansible_collections.acstor.edge.plugins.module_utils.azure.auth import AzureAuthError
from ansible_collections.acstor.edge.plugins.module_utils.azure.client import ArmError, ArmTimeoutError
from ansible_collections.acstor.edge.plugins.module_utils.azure.extension import ExtensionConflict
from ansible_collections.acstor.edge.plugins.module_utils.common.errors import AcstorError
from ansible_collections.acstor.edge.plugins.module_utils.k8s.edge_volumes import EdgeVolumesError
from ansible_collections.acstor.edge.plugins.module_utils.k8s.objects import WaitTimeout
from ansible_collections.acstor.edge.plugins.module_utils.local_csi.chart import LocalCsiDriverError


@pytest.mark.parametrize(
    "error_type",
    [ArmError, ArmTimeoutError, AzureAuthError, ExtensionConflict, EdgeVolumesError, WaitTimeout, LocalCsiDriverError],
)
def test_every_expected_failure_is_an_acstor_error(error_type):
    error = error_type("storage account gone")
    assert isinstance(error, AcstorError)
    assert error.as_result()["msg"].endswith("storage account gone")


def test_plain_error_fails_with_its_message_only():
    assert AcstorError("pvc data is mounted").as_result() == {"msg": "pvc data is mounted"}


def test_structured_fields_go_beside_msg_and_unset_ones_are_dropped():
    error = AcstorError("2 volumes are invalid", errors=["a", "b"], last_status=None)
    assert error.as_result() == {"msg": "2 volumes are invalid", "errors": ["a", "b"]}


def test_arm_error_result_carries_status_code_and_correlation_id():
    error = ArmError(
        "no such account",
        status=404,
        code="ResourceNotFound",
        correlation_id="c-1",
        method="GET",
        url="https://management.azure.com/x?api-version=1",
    )
    result = error.as_result()
    assert (
        result["msg"] == "ARM GET https://management.azure.com/x failed: HTTP 404 ResourceNotFound: no such account "
        "(correlation id c-1)"
    )
    assert result["error"]["status"] == 404 and result["error"]["code"] == "ResourceNotFound"
    assert result["error"]["correlation_id"] == "c-1"
