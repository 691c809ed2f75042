"""A recalculation of a benefit in force: what its programme's calculation
says today, on the standard in force (periodic review, change report,
standard raise). The spine asks the programme of the deciding case
(``Case.recalculate_benefit``); each programme that has a calculation
answers with a ``Recalculation``."""

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class Recalculation:
    """``outcome``: ``eligible``, ``marginal`` or ``not_eligible``;
    ``monthly_amount`` and ``persons``: what the benefit would be now;
    ``lines``: the explanation, one ``{"text", "basis"}`` per rule applied,
    in the current language; ``inputs``/``result``: the calculation's
    snapshot and result as stored, with ``rule_version`` and the standard's
    id, so an auditor can run it again."""

    outcome: str
    monthly_amount: Decimal
    persons: int
    per_capita_income: Decimal
    standard_id: int
    rule_version: str
    lines: list = field(default_factory=list)
    inputs: dict = field(default_factory=dict)
    result: dict = field(default_factory=dict)

    @property
    def eligible(self) -> bool:
        return self.outcome == "eligible" and self.monthly_amount > 0

    @property
    def marginal(self) -> bool:
        return self.outcome == "marginal"
