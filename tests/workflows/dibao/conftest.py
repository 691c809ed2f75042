from .desk import cast  # noqa: F401  (fixture)
