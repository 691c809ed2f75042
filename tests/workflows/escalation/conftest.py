from .story import people  # noqa: F401  (fixture)
