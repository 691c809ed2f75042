"""Income calculation (收入核算) for 低保: a pure function.

``calculate(inputs)`` takes a plain-data snapshot of the household and the
dated standard in force, and returns the per-capita monthly income, the
property test, the outcome (eligible / marginal / not eligible), the
single-person inclusion (单人保) candidates, the monthly amount (补差), and one
explanation line per rule applied. No database access: an auditor re-runs it
on the stored ``inputs`` and gets the stored ``result`` again.

Rules (see docs/statutory-rules.md):
- household members: S1 Art 7 (excluded persons are not counted);
- counted income, not-counted income, deductions: S1 Art 13;
- test and amount (补差 = (standard − per-capita income) × size): S2 Art 12;
- marginal household: per-capita income below the multiplier × standard
  (Shandong 1.5×, 2022-11-01 to 2027-10-31);
- single-person inclusion: S1 Art 8 and the 2022 notice [S4] — in a marginal
  household, a member with a grade 1–2 disability, a grade 3 intellectual or
  mental disability, or a major illness; the amount is computed for that
  member as a one-person household (standard − own net monthly income).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

RULE_VERSION = "dibao-income/2026.1"

CENT = Decimal("0.01")
ROUNDING_QUANTUM = {
    "yuan": (Decimal("1"), ROUND_HALF_UP),
    "yuan_up": (Decimal("1"), ROUND_CEILING),
    "jiao": (Decimal("0.1"), ROUND_HALF_UP),
    "fen": (CENT, ROUND_HALF_UP),
}
# confirmed cross-check findings (信息核对) the calculation takes: the feed's
# source → the kind of asset it is, or an income (a monthly amount)
FINDING_ASSETS = {
    "vehicle": "vehicle",
    "real_estate": "housing",
    "business": "business",
    "deposit": "financial",
}
FINDING_INCOMES = {"pension": "pension"}
SINGLE_DISABILITY_GRADES = {1, 2}
SINGLE_GRADE3_KINDS = {"intellectual", "mental"}


def _d(value) -> Decimal:
    return Decimal(str(value))


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Line:
    """One explanation line: a rule code, its legal basis and its figures."""

    rule: str
    basis: str
    params: dict = field(default_factory=dict)


@dataclass
class Result:
    outcome: str
    household_size: int
    counted_income: str
    deductions: str
    net_income: str
    per_capita_income: str
    property_ok: bool
    monthly_amount: str
    single_candidates: list
    lines: list

    def as_dict(self) -> dict:
        data = asdict(self)
        data["lines"] = [asdict(line) for line in self.lines]
        return data


def _member_net(member_id, incomes, deductions) -> Decimal:
    counted = sum(
        (
            _d(i["monthly_amount"])
            for i in incomes
            if i["member"] == member_id and i["counted"]
        ),
        Decimal(0),
    )
    deducted = sum(
        (_d(x["monthly_amount"]) for x in deductions if x["member"] == member_id),
        Decimal(0),
    )
    return max(Decimal(0), counted - deducted)


def _round_amount(value: Decimal, rounding: str) -> Decimal:
    quantum, mode = ROUNDING_QUANTUM[rounding]
    return value.quantize(quantum, rounding=mode).quantize(CENT)


def _property_test(assets, size, std, lines) -> bool:
    ok = True
    financial = sum(
        (
            _d(a["value"])
            for a in assets
            if a["kind"] == "financial" and not a["exempt"]
        ),
        Decimal(0),
    )
    per_capita_fin = (financial / size).quantize(CENT) if size else financial
    fin_limit = _d(std["financial_assets_limit_per_capita"])
    fin_ok = per_capita_fin <= fin_limit
    lines.append(
        Line(
            "property_financial",
            "S2 Art 9",
            {
                "total": _money(financial),
                "per_capita": _money(per_capita_fin),
                "limit": _money(fin_limit),
                "ok": fin_ok,
            },
        )
    )
    ok &= fin_ok

    vehicles = [a for a in assets if a["kind"] == "vehicle" and not a["exempt"]]
    vehicle_value = sum((_d(a["value"]) for a in vehicles), Decimal(0))
    vehicle_limit = _d(std["vehicle_value_limit"])
    vehicle_ok = vehicle_value <= vehicle_limit
    lines.append(
        Line(
            "property_vehicle",
            "S2 Art 9",
            {
                "count": sum(a["quantity"] for a in vehicles),
                "value": _money(vehicle_value),
                "limit": _money(vehicle_limit),
                "ok": vehicle_ok,
            },
        )
    )
    ok &= vehicle_ok

    units = sum(
        a["quantity"] for a in assets if a["kind"] == "housing" and not a["exempt"]
    )
    housing_ok = units <= std["housing_units_limit"]
    lines.append(
        Line(
            "property_housing",
            "S2 Art 9",
            {"units": units, "limit": std["housing_units_limit"], "ok": housing_ok},
        )
    )
    ok &= housing_ok

    business = sum(
        (_d(a["value"]) for a in assets if a["kind"] == "business" and not a["exempt"]),
        Decimal(0),
    )
    business_limit = _d(std["business_assets_limit"])
    business_ok = business <= business_limit
    lines.append(
        Line(
            "property_business",
            "S2 Art 9",
            {
                "value": _money(business),
                "limit": _money(business_limit),
                "ok": business_ok,
            },
        )
    )
    return ok and business_ok


def _confirmed_findings(findings, included_ids, incomes, assets, lines):
    """Add the confirmed cross-check findings of counted members to the
    incomes and assets, one line each (S1 Art 17–18)."""
    for f in findings:
        if f["member"] not in included_ids:
            continue
        amount = _d(f["amount"] or 0)
        if f["source"] in FINDING_ASSETS:
            effect = FINDING_ASSETS[f["source"]]
            assets.append(
                {"kind": effect, "value": str(amount), "quantity": 1, "exempt": False}
            )
        elif f["source"] in FINDING_INCOMES:
            effect = "income"
            incomes.append(
                {
                    "member": f["member"],
                    "type": f"crosscheck_{f['source']}",
                    "name": f["kind"] or f["source"],
                    "counted": True,
                    "monthly_amount": str(amount),
                }
            )
        else:
            continue
        lines.append(
            Line(
                "finding_confirmed",
                "S1 Art 17-18",
                {
                    "name": f["name"],
                    "source": f["source"],
                    "period": f["period"],
                    "kind": f["kind"],
                    "amount": _money(amount),
                    "effect": effect,
                },
            )
        )


def _single_candidates(members, incomes, deductions, standard, rounding, lines):
    candidates = []
    for m in members:
        if not m["included"]:
            continue
        grade, kind = m["disability_grade"], m["disability_kind"]
        qualifies = (
            grade in SINGLE_DISABILITY_GRADES
            or (grade == 3 and kind in SINGLE_GRADE3_KINDS)
            or m["major_illness"]
        )
        if not qualifies:
            continue
        own_net = _member_net(m["id"], incomes, deductions)
        amount = _round_amount(max(Decimal(0), standard - own_net), rounding)
        candidates.append(
            {
                "member": m["id"],
                "name": m["name"],
                "own_net_income": _money(own_net),
                "monthly_amount": _money(amount),
            }
        )
        lines.append(
            Line(
                "single_candidate",
                "S1 Art 8; S4",
                {
                    "name": m["name"],
                    "grade": grade,
                    "kind": kind,
                    "major_illness": m["major_illness"],
                    "own_net": _money(own_net),
                    "standard": _money(standard),
                    "amount": _money(amount),
                },
            )
        )
    return candidates


def calculate(inputs: dict) -> Result:
    """Run the 低保 income and property test on a household snapshot.

    ``inputs`` keys: ``standard`` (monthly_standard, marginal_multiplier,
    property limits, rounding), ``members`` (id, name, included,
    excluded_reason, disability_grade, disability_kind, major_illness),
    ``incomes`` (member, type, name, counted, monthly_amount), ``deductions``
    (member, kind, monthly_amount), ``assets`` (kind, value, quantity, exempt),
    and optionally ``findings``: the cross-check findings the reviewer
    confirmed (member, name, source, period, kind, amount) — a confirmed
    vehicle, house, business or deposit becomes a non-exempt asset, a
    confirmed pension a counted income, each explained in its own line.
    """
    std = inputs["standard"]
    standard = _d(std["monthly_standard"])
    multiplier = _d(std["marginal_multiplier"])
    rounding = std["rounding"]
    lines: list[Line] = []

    members = inputs["members"]
    included = [m for m in members if m["included"]]
    size = len(included)
    for m in members:
        if not m["included"]:
            lines.append(
                Line(
                    "member_excluded",
                    "S1 Art 7",
                    {"name": m["name"], "reason": m["excluded_reason"]},
                )
            )
    lines.append(Line("household_size", "S1 Art 7", {"size": size}))

    included_ids = {m["id"] for m in included}
    incomes = [i for i in inputs["incomes"] if i["member"] in included_ids]
    deductions = [x for x in inputs["deductions"] if x["member"] in included_ids]
    assets = list(inputs["assets"])
    findings = inputs.get("findings", [])
    _confirmed_findings(findings, included_ids, incomes, assets, lines)

    counted = Decimal(0)
    for item in incomes:
        amount = _d(item["monthly_amount"])
        if item["counted"]:
            counted += amount
        lines.append(
            Line(
                "income_counted" if item["counted"] else "income_not_counted",
                "S1 Art 13",
                {
                    "name": item["name"],
                    "name_en": item.get("name_en", ""),
                    "type": item["type"],
                    "amount": _money(amount),
                },
            )
        )
    deducted = sum((_d(x["monthly_amount"]) for x in deductions), Decimal(0))
    for item in deductions:
        lines.append(
            Line(
                "deduction",
                "S1 Art 13",
                {"kind": item["kind"], "amount": _money(_d(item["monthly_amount"]))},
            )
        )
    net = max(Decimal(0), counted - deducted)
    per_capita = (net / size).quantize(CENT, rounding=ROUND_HALF_UP) if size else net
    lines.append(
        Line(
            "per_capita_income",
            "S1 Art 13",
            {
                "counted": _money(counted),
                "deductions": _money(deducted),
                "net": _money(net),
                "size": size,
                "per_capita": _money(per_capita),
            },
        )
    )

    property_ok = _property_test(assets, size, std, lines)

    income_ok = size > 0 and per_capita < standard
    lines.append(
        Line(
            "income_test",
            "S2 Art 9",
            {
                "per_capita": _money(per_capita),
                "standard": _money(standard),
                "ok": income_ok,
            },
        )
    )

    amount = Decimal(0)
    candidates = []
    if income_ok and property_ok:
        outcome = "eligible"
        raw = (standard - per_capita) * size
        amount = _round_amount(raw, rounding)
        lines.append(
            Line(
                "amount",
                "S2 Art 12",
                {
                    "standard": _money(standard),
                    "per_capita": _money(per_capita),
                    "size": size,
                    "raw": _money(raw),
                    "rounding": rounding,
                    "amount": _money(amount),
                },
            )
        )
    elif size > 0 and property_ok and per_capita < standard * multiplier:
        outcome = "marginal"
        lines.append(
            Line(
                "marginal",
                "Shandong 2022 marginal-household rule",
                {
                    "per_capita": _money(per_capita),
                    "multiplier": str(multiplier),
                    "threshold": _money(standard * multiplier),
                },
            )
        )
        candidates = _single_candidates(
            included, incomes, deductions, standard, rounding, lines
        )
    else:
        outcome = "not_eligible"
    lines.append(Line("outcome", "S2 Art 9", {"outcome": outcome}))

    return Result(
        outcome=outcome,
        household_size=size,
        counted_income=_money(counted),
        deductions=_money(deducted),
        net_income=_money(net),
        per_capita_income=_money(per_capita),
        property_ok=property_ok,
        monthly_amount=_money(amount),
        single_candidates=candidates,
        lines=lines,
    )
