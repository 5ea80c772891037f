"""Demo adapter for tests: sends the bare minimum; the simulator approves it."""

from ...base import BasePlugin
from ...registry import register


@register("demo")
class DemoPlugin(BasePlugin):
    verbose_name = "Demo"
    purposes = ("recognition", "ba_approval", "pre_approval_81a", "visa", "residence_permit", "register_check")
    condition_keys = ("demo",)
    demo = True

    def build_data(self, request) -> dict:
        return {**super().build_data(request), "demo": True}
