"""Authority adapters: one plugin per kind of office, each turning an AuthorityRequest into the
submission that office expects and its answer back into an `Answer`.

Same shape as the Open Formulieren plugin modules: `base.py` (the protocol), `registry.py`
(`register("id")`, duplicate ids rejected) and `contrib/<kind>/plugin.py`, plus a `demo` and a
`failing-demo` adapter for tests. The contrib plugins register when the app is ready (apps.py).
"""
