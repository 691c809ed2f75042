"""docs/performance.md from benchmark results (plain data)."""

PAGE_GOAL = 1.5


def _ms(value):
    return f"{value:.1f}"


HEADER = """# Performance

Written by `make bench` (`python -m bench.run`): one section per database, each
replaced when the benchmarks run again on that database. Do not edit by hand;
the commentary is in docs/performance-notes.md.

Server time is the whole Django stack in-process (middleware, permission
checks, scoped selectors, templates), without the network. The floor is one
hand-written SQL query returning the same rows of the same page, measured in
the same run. Times in milliseconds over repeated requests.
"""


def _vendor(runs):
    return runs[-1]["machine"]["database"].split()[0].lower()


def merge(existing, runs):
    """The report with this database's section replaced (or added)."""
    vendor = _vendor(runs)
    start, end = f"<!-- bench:{vendor} -->", f"<!-- /bench:{vendor} -->"
    block = f"{start}\n{render(runs)}\n{end}"
    if start in existing and end in existing:
        before, rest = existing.split(start, 1)
        after = rest.split(end, 1)[1]
        return before + block + after
    if not existing.strip():
        existing = HEADER
    return existing.rstrip() + "\n\n" + block + "\n"


def render(runs):
    m = runs[-1]["machine"]
    lines = [
        f"## {m['database']}",
        "",
        f"Measured {m['date']} on {m['cores']} cores, {m['memory']} memory, "
        f"{m['database']}, Python {m['python']}.",
        "",
        "### Generated cities",
        "",
        "| size | cases | households | members | tasks | generated in |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        c = run["counts"]
        lines.append(
            f"| {run['size']} | {c['cases']:,} | {c['households']:,} "
            f"| {c['members']:,} | {c['tasks']:,} | {run['load_seconds']:.0f} s |"
        )
    lines += ["", "### Pages", ""]
    for run in runs:
        lines += [
            f"#### {run['size']} ({run['counts']['cases']:,} cases)",
            "",
            "| user | page | region (cases) | p50 | p95 | SQL | floor p50 | floor p95 "
            "| p95 ÷ floor | goal ≤ 1.5× |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        for r in run["pages"]:
            ok = "met" if r["ratio"] <= PAGE_GOAL else "not met"
            lines.append(
                f"| {r['label']} | {r['page']} "
                f"| {r['region']} ({r['cases_in_scope']:,}) "
                f"| {_ms(r['page_p50'])} | {_ms(r['page_p95'])} | {r['page_queries']} "
                f"| {_ms(r['floor_p50'])} | {_ms(r['floor_p95'])} "
                f"| {r['ratio']:.1f}× | {ok} |"
            )
        lines.append("")
    if len(runs) > 1:
        lines += [
            "#### SQL queries per page across sizes (goal: the same at every size)",
            "",
        ]
        header = (
            "| user | page | " + " | ".join(r["size"] for r in runs) + " | fixed? |"
        )
        lines += [header, "|---|---|" + "---:|" * len(runs) + "---|"]
        keyed = [{(p["role"], p["page"]): p for p in run["pages"]} for run in runs]
        for key, page in keyed[0].items():
            counts = [k[key]["page_queries"] for k in keyed if key in k]
            fixed = "yes" if len(set(counts)) == 1 else "no"
            lines.append(
                f"| {page['label']} | {page['page']} | "
                + " | ".join(str(c) for c in counts)
                + f" | {fixed} |"
            )
        lines.append("")
    lines += [
        "### Scoped lists vs the stock per-object path (busiest district user)",
        "",
        "Ours: one region-path filter in SQL. Stock: the same access held as",
        "django-guardian rows (one per case and permission) — viewflow's",
        "`Task.objects.queue` (loads the rows into Python) and guardian's",
        "`get_objects_for_user`. Bare: the same list with no permission filter.",
        "Data of one page (30 rows and the count), fresh user object per call.",
        "",
        "| size | list | cases (guardian rows) | ours p50 | SQL | stock p50 | SQL "
        "| bare p50 | stock ÷ ours (goal ≥ 10×) | ours ÷ bare (goal ≤ 2×) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        for r in run.get("permissions", []):
            lines.append(
                f"| {run['size']} | {r['page']} "
                f"| {r['cases']:,} ({r['guardian_rows']:,}) "
                f"| {_ms(r['ours_p50'])} | {r['ours_queries']} "
                f"| {_ms(r['stock_p50'])} | {r['stock_queries']} "
                f"| {_ms(r['bare_p50'])} "
                f"| {r['stock_ratio']:.1f}× | {r['bare_ratio']:.1f}× |"
            )
    lines += ["", "### A 低保 case from application to decision (service layer)", ""]
    steps = list(runs[0]["lifecycle"]["queries_per_step"])
    lines += [
        "| size | ms per case | " + " | ".join(steps) + " |",
        "|---|---:|" + "---:|" * len(steps),
    ]
    for run in runs:
        life = run["lifecycle"]
        q = life["queries_per_step"]
        lines.append(
            f"| {run['size']} | {life['ms_per_case']:.0f} | "
            + " | ".join(f"{q.get(s, '–'):g}" if s in q else "–" for s in steps)
            + " |"
        )
    if len(runs) > 1:
        first, last = (
            runs[0]["lifecycle"]["queries_per_step"],
            runs[-1]["lifecycle"]["queries_per_step"],
        )
        constant = all(first.get(s) == last.get(s) for s in steps)
        lines += [
            "",
            f"SQL queries per step constant from {runs[0]['size']} "
            f"to {runs[-1]['size']}: "
            + ("**yes**" if constant else "**no**")
            + " (median queries of each step over the cases run).",
        ]
    lines += _audit(runs)
    lines.append("")
    return "\n".join(lines)


HISTORY_GOAL = 1.5


def _audit(runs):
    runs = [r for r in runs if "audit" in r]
    if not runs:
        return []
    lines = [
        "",
        "### The audit trail",
        "",
        "History on a save: the same household record saved alternately with and",
        "without its history row (simple-history's `skip_history_when_saving`),",
        "in the same run; median per save.",
        "",
        "| size | saves | with history p50 | SQL | without p50 | SQL "
        "| with ÷ without | goal ≤ 1.5× |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in runs:
        s = run["audit"]["save"]
        ok = "met" if s["ratio"] <= HISTORY_GOAL else "not met"
        lines.append(
            f"| {run['size']} | {s['saves']} | {s['with_p50']:.2f} "
            f"| {s['with_queries']} | {s['without_p50']:.2f} "
            f"| {s['without_queries']} | {s['ratio']:.2f}× | {ok} |"
        )
    lines += [
        "",
        "Recording the hash of the history row in the same transaction (read the",
        "row back, insert its hash): the same save with history, alternately with",
        "the recording and without it; median per save.",
        "",
        "| size | saves | with recording p50 | SQL | without p50 | SQL | added |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        r = run["audit"].get("record")
        if r:
            lines.append(
                f"| {run['size']} | {r['saves']} | {r['with_p50']:.2f} "
                f"| {r['with_queries']} | {r['without_p50']:.2f} "
                f"| {r['without_queries']} | {r['added']:.2f} ms |"
            )
    lines += [
        "",
        "Sealing and verifying all audit records of the generated city: every",
        "recorded hash chained afresh; the chain with every row re-read and",
        "hashed; every live row of every audited model compared with its latest",
        "history row (`verify_audit` runs both).",
        "",
        "| size | audit rows | seal | chain check | live rows | models "
        "| live-row check | findings |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        v = run["audit"].get("verify")
        if v:
            lines.append(
                f"| {run['size']} | {v['audit_rows']:,} | {v['seal_s']:.1f} s "
                f"| {v['chain_s']:.1f} s | {v['live_rows']:,} | {v['models']} "
                f"| {v['live_s']:.1f} s | {v['findings']} |"
            )
    lines += [
        "",
        "History on the saves of a whole case: one household taken from",
        "application to decision through the step services (every form's save",
        "with all the rows it writes), alternately with history and with it",
        "switched off (`SIMPLE_HISTORY_ENABLED`); median per case.",
        "",
        "| size | with history | without | with ÷ without | goal ≤ 1.5× |",
        "|---|---:|---:|---:|---|",
    ]
    for run in runs:
        s = run["audit"]["save"]
        ok = "met" if s["case_ratio"] <= HISTORY_GOAL else "not met"
        lines.append(
            f"| {run['size']} | {_ms(s['case_with_ms'])} ms "
            f"| {_ms(s['case_without_ms'])} ms | {s['case_ratio']:.2f}× | {ok} |"
        )
    lines += [
        "",
        "Timeline of one case given about 1,000 audited events (record changes,",
        "reassignments with reasons, sensitive reads), read by the district",
        "auditor: the whole page (first page of 50, newest first) and the",
        "service that merges the events. SQL before = the same page before the",
        "events were added (goal: the same number).",
        "",
        "| size | case | events | page p50 | page p95 | SQL | SQL before "
        "| fixed? | merge p50 | merge SQL |",
        "|---|---|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for run in runs:
        t = run["audit"]["timeline"]
        fixed = "yes" if t["page_queries"] == t["page_queries_before"] else "no"
        lines.append(
            f"| {run['size']} | {t['case']} | {t['events']:,} "
            f"(from {t['events_before']}) | {_ms(t['page_p50'])} "
            f"| {_ms(t['page_p95'])} | {t['page_queries']} "
            f"| {t['page_queries_before']} | {fixed} "
            f"| {_ms(t['service_p50'])} | {t['service_queries']} |"
        )
    return lines
