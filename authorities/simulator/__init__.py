"""Simulated authorities: the BA, visa offices, foreigners' authorities, recognition bodies and the
register, answering deterministically (the rules and their timing are documented in rules.py).

- `core.Simulator` receives, dedupes on the idempotency key, verifies and answers.
- The `simulated` transport calls it in-process with the `DatabaseStore`.
- `server.SimulatorServer` (`manage.py run_authority_simulator`) serves it over HTTP with the
  FIT-Connect-like API of the `http` transport, decrypting and checking hashes on its side.
"""

from .core import DatabaseStore, MemoryStore, Simulator, SimulatorError

__all__ = ["DatabaseStore", "MemoryStore", "Simulator", "SimulatorError"]
