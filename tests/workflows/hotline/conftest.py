from tests.workflows.escalation.story import people  # noqa: F401  (fixture)
