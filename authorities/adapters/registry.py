"""The adapter registry: `@register("kind")` on a plugin class adds one instance; ids are unique."""

from collections.abc import Iterator

from django.conf import settings

from .base import AdapterError, BasePlugin


def demo_adapters_on() -> bool:
    """The demo adapters send test data: only in development (DEBUG), in the tests, or where
    WSA_DEMO_ADAPTERS switches them on; a production admin is not offered them."""
    return settings.DEBUG or settings.WSA_DEMO_ADAPTERS


class Registry:
    def __init__(self):
        self._registry: dict[str, BasePlugin] = {}

    def __call__(self, unique_identifier: str):
        def decorator(plugin_cls: type[BasePlugin]) -> type[BasePlugin]:
            if unique_identifier in self._registry:
                raise ValueError(f"The unique identifier '{unique_identifier}' is already present in the registry.")
            self._registry[unique_identifier] = plugin_cls(identifier=unique_identifier)
            return plugin_cls

        return decorator

    def __getitem__(self, key: str) -> BasePlugin:
        return self._registry[key]

    def __contains__(self, key: str) -> bool:
        return key in self._registry

    def __iter__(self) -> Iterator[BasePlugin]:
        return iter(self._registry.values())

    def get_choices(self) -> list[tuple[str, str]]:
        """The adapters an admin may choose (without the demo adapters where they are off)."""
        demo = demo_adapters_on()
        return [(plugin.identifier, str(plugin.verbose_name)) for plugin in self if demo or not plugin.demo]


register = Registry()


def adapter_for(authority) -> BasePlugin:
    """The adapter of an office: its `adapter` field, else the one of its kind."""
    if authority.adapter_id not in register:
        raise AdapterError(f"{authority} uses the unknown adapter {authority.adapter_id!r}.")
    adapter = register[authority.adapter_id]
    if adapter.demo and not demo_adapters_on():
        raise AdapterError(f"{authority} uses the demo adapter {authority.adapter_id!r}, which is off here.")
    return adapter
