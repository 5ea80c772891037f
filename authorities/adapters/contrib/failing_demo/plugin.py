"""Failing demo adapter for tests: building a request and reading an answer always fail."""

from ...base import AdapterError, AnswerError, BasePlugin
from ...registry import register


@register("failing-demo")
class FailingDemoPlugin(BasePlugin):
    verbose_name = "Failing demo"
    demo = True
    purposes = ("recognition", "ba_approval", "pre_approval_81a", "visa", "residence_permit", "register_check")

    def build_request(self, request) -> dict:
        raise AdapterError("The failing-demo adapter always fails.")

    def parse_answer(self, body):
        raise AnswerError("The failing-demo adapter never understands an answer.")
