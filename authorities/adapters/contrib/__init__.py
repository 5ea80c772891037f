"""Importing this package registers every adapter."""

from .ba import plugin as ba_plugin  # noqa: F401
from .demo import plugin as demo_plugin  # noqa: F401
from .failing_demo import plugin as failing_demo_plugin  # noqa: F401
from .foreigners_authority import plugin as foreigners_authority_plugin  # noqa: F401
from .recognition_body import plugin as recognition_body_plugin  # noqa: F401
from .register import plugin as register_plugin  # noqa: F401
from .visa_office import plugin as visa_office_plugin  # noqa: F401
