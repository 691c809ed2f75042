from tests.workflows.dibao.desk import cast  # noqa: F401  (fixture)
from tests.workflows.escalation.story import people  # noqa: F401,E402  (fixture)
