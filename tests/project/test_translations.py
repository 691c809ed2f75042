"""Chinese by default with no English left in the UI; English complete."""

import gettext
import re
from pathlib import Path

import pytest
import viewflow
from django.conf import settings

from tests.workflows.dibao.desk import (
    Desk,
    accept,
    case_url,
    open_task,
    submit,
    task_url,
)
from workflows.dibao.flows import DibaoFlow

LOCALE = Path(settings.BASE_DIR) / "locale"


def po_entries(path):
    """(msgctxt, msgid, msgstr) of a .po file (plural forms: the first msgstr)."""
    text = Path(path).read_text(encoding="utf-8")
    entries = []
    for block in text.split("\n\n"):
        fields = {}
        key = None
        for line in block.splitlines():
            m = re.match(r'(msgctxt|msgid|msgid_plural|msgstr(?:\[0\])?) "(.*)"$', line)
            if m:
                key = m.group(1).replace("[0]", "")
                fields[key] = m.group(2)
            elif line.startswith('"') and key:
                fields[key] += line[1:-1]
        if fields.get("msgid"):
            entries.append(
                (fields.get("msgctxt"), fields["msgid"], fields.get("msgstr", ""))
            )
    return entries


def test_every_viewflow_string_has_a_chinese_translation():
    theirs = Path(viewflow.__file__).parent / "locale/zh_Hans/LC_MESSAGES/django.po"
    ours = {
        (ctx, mid): mstr
        for ctx, mid, mstr in po_entries(
            LOCALE / "vendor/zh_Hans/LC_MESSAGES/django.po"
        )
    }
    missing = [mid for ctx, mid, _ in po_entries(theirs) if not ours.get((ctx, mid))]
    assert missing == []


def test_every_project_string_has_an_english_translation():
    entries = po_entries(LOCALE / "en/LC_MESSAGES/django.po")
    assert len(entries) > 500
    assert [mid for _, mid, mstr in entries if not mstr] == []


ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def unescape(text):
    """Undo .po string escaping (\\n, \\", \\\\, \\t)."""
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(0)), text)


def test_compiled_catalogues_match_their_sources():
    """Each committed .mo holds exactly the translations of its .po."""
    for po in LOCALE.rglob("*.po"):
        mo = po.with_suffix(".mo")
        assert mo.exists(), mo
        with mo.open("rb") as fh:
            catalog = gettext.GNUTranslations(fh)._catalog
        for ctx, msgid, msgstr in po_entries(po):
            if not msgstr:
                continue
            key = f"{ctx}\x04{unescape(msgid)}" if ctx else unescape(msgid)
            found = catalog.get(key, catalog.get((key, 0)))
            assert found == unescape(msgstr), (po.name, msgid)


def visible_text(html):
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    # icon ligatures (<i class="material-icons">inbox</i>) are not read as words
    html = re.sub(
        r"(?s)<(i|span|button)\b[^>]*material-icons[^>]*>[^<]*</\1>", " ", html
    )
    html = re.sub(r"(?s)<[^>]+>", " ", html)
    return re.sub(r"&[a-z]+;", " ", html)


# Latin words legitimately shown: case numbers and the like, and the names of
# file formats on the export buttons.
ALLOWED = re.compile(r"^(DB|HD|Excel|CSV|GB)$")


@pytest.mark.django_db
def test_no_english_words_on_the_chinese_pages(cast):
    case = submit(Desk(cast.caseworker), cast)
    desk = Desk(cast.caseworker)
    task = open_task(case, DibaoFlow.accept)
    pages = [
        DibaoFlow.instance.reverse("inbox"),
        DibaoFlow.instance.reverse("queue"),
        DibaoFlow.instance.reverse("archive"),
        DibaoFlow.instance.reverse("process_list"),
        DibaoFlow.instance.reverse("roster"),
        case_url(case),
        task_url(task, "assign"),
        DibaoFlow.apply.reverse("execute"),
    ]
    assert_chinese(desk, pages)
    accept(cast, case)
    task = open_task(case, DibaoFlow.home_visit)
    desk.take(case, DibaoFlow.home_visit)
    assert_chinese(desk, [task_url(task, "execute"), task_url(task, "detail")])


def assert_chinese(desk, urls):
    for url in urls:
        response = desk.get(url)
        assert response.status_code == 200, url
        words = set(
            re.findall(r"[A-Za-z]{2,}", visible_text(response.content.decode()))
        )
        english = {w for w in words if not ALLOWED.match(w)}
        assert english == set(), (url, english)
