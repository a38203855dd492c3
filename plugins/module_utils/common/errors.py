# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one base exception of acstor.edge's module_utils, and what a module fails with when it is raised.

Every error our code raises on purpose (bad input found late, an unusable cluster or subscription state, an ARM
request that failed, a wait that ran out) derives from AcstorError, so a module wrapper catches one type and
reports it the same way: `module.fail_json(**error.as_result())`. Anything else is a bug and keeps its traceback.
"""


class AcstorError(Exception):
    """An expected failure: the message says what is wrong; `fields()` carries the structured details."""

    def __init__(self, message, **fields):
        super(AcstorError, self).__init__(message)
        self.message = message
        self._fields = dict((key, value) for key, value in fields.items() if value is not None)

    def fields(self):
        """Structured details for the module result (empty when the message says everything)."""
        return dict(self._fields)

    def as_result(self):
        """What a module fails with: `msg` plus the structured details (`fail_json(**error.as_result())`)."""
        return dict(self.fields(), msg=str(self))
