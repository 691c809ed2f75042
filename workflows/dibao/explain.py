"""Explanation lines of the income calculation, in the reader's language.

The stored line is a rule code, its legal basis and its figures; the words are
added when it is shown, so the same assessment reads in Chinese or English.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..monitoring.models import FeedBatch
from ..registry.models import Asset, Deduction, Member
from ..standards.models import localized_name

BASIS = {
    "S1 Art 7": gettext_lazy("《最低生活保障审核确认办法》第七条"),
    "S1 Art 8; S4": gettext_lazy(
        "《最低生活保障审核确认办法》第八条；民政部等2022年通知"
    ),
    "S1 Art 13": gettext_lazy("《最低生活保障审核确认办法》第十三条"),
    "S1 Art 17-18": gettext_lazy("《最低生活保障审核确认办法》第十七条、第十八条"),
    "S2 Art 9": gettext_lazy("《社会救助暂行办法》第九条"),
    "S2 Art 12": gettext_lazy("《社会救助暂行办法》第十二条"),
    "Shandong 2022 marginal-household rule": gettext_lazy(
        "山东省低保边缘家庭认定规定（2022）"
    ),
}

OUTCOMES = {
    "eligible": gettext_lazy("符合低保条件"),
    "marginal": gettext_lazy("不符合低保条件，属低保边缘家庭"),
    "not_eligible": gettext_lazy("不符合低保条件"),
}

ROUNDING = {
    "yuan": gettext_lazy("四舍五入到元"),
    "yuan_up": gettext_lazy("向上取整到元"),
    "jiao": gettext_lazy("四舍五入到角"),
    "fen": gettext_lazy("保留到分"),
}


def _yes(ok):
    return _("符合") if ok else _("不符合")


def _named(p):
    return {**p, "name": localized_name(p["name"], p.get("name_en", ""))}


def _text(rule, p):
    if rule == "member_excluded":
        reason = dict(Member.Exclusion.choices).get(p["reason"], p["reason"])
        return _("%(name)s 不计入共同生活家庭成员（%(reason)s）。") % {
            "name": p["name"],
            "reason": reason,
        }
    if rule == "household_size":
        return _("共同生活家庭成员 %(size)s 人。") % p
    if rule == "income_counted":
        return _("%(name)s：月均 %(amount)s 元，计入家庭收入。") % _named(p)
    if rule == "income_not_counted":
        return _("%(name)s：月均 %(amount)s 元，按规定不计入家庭收入。") % _named(p)
    if rule == "deduction":
        kind = dict(Deduction.Kind.choices).get(p["kind"], p["kind"])
        return _("扣减%(kind)s：月均 %(amount)s 元。") % {
            "kind": kind,
            "amount": p["amount"],
        }
    if rule == "per_capita_income":
        return (
            _(
                "计入收入 %(counted)s 元 − 扣减 %(deductions)s 元 = "
                "家庭月收入 %(net)s 元；"
                "÷ %(size)s 人 = 人均月收入 %(per_capita)s 元。"
            )
            % p
        )
    if rule == "property_financial":
        return _(
            "存款等金融资产 %(total)s 元，人均 %(per_capita)s 元，"
            "上限 %(limit)s 元：%(ok)s。"
        ) % {**p, "ok": _yes(p["ok"])}
    if rule == "property_vehicle":
        return _(
            "非豁免机动车 %(count)s 辆，价值 %(value)s 元，上限 %(limit)s 元：%(ok)s。"
        ) % {**p, "ok": _yes(p["ok"])}
    if rule == "property_housing":
        return _("房产 %(units)s 套，上限 %(limit)s 套：%(ok)s。") % {
            **p,
            "ok": _yes(p["ok"]),
        }
    if rule == "property_business":
        return _("工商登记/企业股份 %(value)s 元，上限 %(limit)s 元：%(ok)s。") % {
            **p,
            "ok": _yes(p["ok"]),
        }
    if rule == "income_test":
        return _(
            "人均月收入 %(per_capita)s 元，当地低保标准 %(standard)s 元：%(ok)s。"
        ) % {**p, "ok": _("低于标准") if p["ok"] else _("不低于标准")}
    if rule == "amount":
        return _(
            "补差 =（%(standard)s − %(per_capita)s）× %(size)s 人 = %(raw)s 元，"
            "%(rounding)s后为每月 %(amount)s 元。"
        ) % {**p, "rounding": ROUNDING.get(p["rounding"], p["rounding"])}
    if rule == "marginal":
        return (
            _(
                "人均月收入 %(per_capita)s 元低于标准的 %(multiplier)s 倍"
                "（%(threshold)s 元），"
                "属低保边缘家庭。"
            )
            % p
        )
    if rule == "single_candidate":
        kind = dict(Member.DisabilityKind.choices).get(p["kind"], p["kind"])
        why = []
        if p["grade"]:
            why.append(
                _("%(grade)s级%(kind)s残疾") % {"grade": p["grade"], "kind": kind}
            )
        if p["major_illness"]:
            why.append(_("重特大疾病"))
        return _(
            "%(name)s（%(why)s）可单人纳入低保：标准 %(standard)s 元 − 本人月收入 "
            "%(own_net)s 元 = 每月 %(amount)s 元。"
        ) % {**p, "why": "、".join(str(w) for w in why)}
    if rule == "finding_confirmed":
        source = dict(FeedBatch.Source.choices).get(p["source"], p["source"])
        if p["effect"] == "income":
            effect = _("计入家庭收入（月均）")
        else:
            kind = dict(Asset.Kind.choices).get(p["effect"], p["effect"])
            effect = _("计入非豁免财产（%(kind)s）") % {"kind": kind}
        return _(
            "信息核对（%(source)s，%(period)s）：%(name)s 名下“%(kind)s”"
            "%(amount)s 元，经核实属实，%(effect)s。"
        ) % {**p, "source": source, "effect": effect}
    if rule == "outcome":
        return _("结论：%(outcome)s。") % {
            "outcome": OUTCOMES.get(p["outcome"], p["outcome"])
        }
    return f"{rule}: {p}"


def describe(line: dict) -> dict:
    """``{"text": …, "basis": …}`` for one stored explanation line."""
    return {
        "text": _text(line["rule"], line["params"]),
        "basis": BASIS.get(line["basis"], line["basis"]),
    }


__all__ = ["describe"]
