"""The one masking function for sensitive identifiers."""


def mask_id_number(value: str | None) -> str:
    """``370402199001011234`` → ``3704**********1234``."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]
