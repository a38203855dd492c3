"""The Kubernetes Status error every layer of the test double raises."""


class ApiError(Exception):
    def __init__(self, code, reason, message, name=None, kind=None):
        super().__init__(message)
        self.code, self.reason, self.message, self.name, self.kind = code, reason, message, name, kind

    def status(self):
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "details": {"name": self.name, "kind": self.kind},
            "code": self.code,
        }
