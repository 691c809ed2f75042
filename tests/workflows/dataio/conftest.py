from tests.workflows.dibao.desk import cast  # noqa: F401  (fixture)
