"""A full 低保 case, application to decision, through the service layer.

The same code path as the web pages minus HTTP: ``start_flow`` / ``run_task``
with the step services, each as the member of staff holding the post.
Reports milliseconds per case and the SQL queries of each step.
"""

import statistics
import time
from collections import defaultdict
from dataclasses import dataclass

from workflows import demo
from workflows.dibao.models import Application

from .city import IdNumbers, born_between, person_name
from .measure import counted


@dataclass
class LifecycleResult:
    cases: int
    ms_per_case: float
    queries_per_step: dict  # step -> median queries


class FreshIdNumbers(IdNumbers):
    """ID numbers not yet in the registry (the benchmark may run twice)."""

    def new(self, district_code, born):
        from workflows.models import Member

        while True:
            number = super().new(district_code, born)
            if not Member.objects.filter(id_number=number).exists():
                return number


def household(rng, ids, village, n):
    district = village.parent.parent.code
    members = []
    for j, relation in enumerate(("head", "spouse")):
        # born in the 1930s: the generated city's people are born from 1940 on,
        # so these ID numbers never collide with registered ones
        born = born_between(rng, 1931, 1939)
        members.append(
            dict(
                name=person_name(rng),
                born=born.isoformat(),
                sex="M" if j == 0 else "F",
                relation=relation,
                employment="farming",
                id_number=ids.new(district, born),
            )
        )
    return dict(
        village=village.code,
        address=f"{village.name}基准{n}号",
        area="rural",
        channel="window",
        submitted_by="caseworker",
        reason="生活困难",
        members=members,
        incomes=[[1, "farming", "600.00"]],
        deductions=[],
        assets=[],
    )


def desk():
    """The village and the town caseworker the benchmark cases start from."""
    from django.contrib.auth import get_user_model

    from roles.models import Post

    post = (
        Post.objects.filter(role__code="town_caseworker")
        .select_related("region")
        .first()
    )
    village = post.region.children.order_by("pk").first()
    village = type(village).objects.select_related("parent__parent").get(pk=village.pk)
    return village, get_user_model().objects.get(pk=post.user_id)


def accepted_cases(count, *, seed, first, progress=False):
    """``count`` accepted 低保 cases in one village (the desk's), each a fresh
    household of two (``household``, numbered from ``first``): the village,
    the town caseworker who accepted them and the cases, in order. The set-up
    the cross-check and throughput benchmarks share."""
    import random

    from workflows.dibao import services
    from workflows.dibao.flows import DibaoFlow

    rng, ids = random.Random(seed), FreshIdNumbers()
    village, caseworker = desk()
    cases = []
    for n in range(count):
        case = demo.apply(
            household(rng, ids, village, first + n), {"caseworker": caseworker}
        )
        case = Application.objects.get(pk=case.pk)
        demo.step(
            case,
            DibaoFlow.accept,
            caseworker,
            lambda c: services.application_accept(application=c, user=caseworker),
        )
        cases.append(case)
        if progress and (n + 1) % 100 == 0:
            print(f"  accepted cases: {n + 1}/{count}", flush=True)
    return village, caseworker, cases


def one_case(spec, caseworker, observer=None):
    """Seconds to take one household from application to decision."""
    start = time.perf_counter()

    def apply():
        return demo.apply(spec, {"caseworker": caseworker})

    case = observer("apply", apply) if observer else apply()
    demo.drive(Application.objects.get(pk=case.pk), "approved", observer=observer)
    return time.perf_counter() - start


def run(cases=20, seed=7):
    import random

    rng = random.Random(seed)
    ids = FreshIdNumbers()
    village, caseworker = desk()
    queries = defaultdict(list)

    def observer(name, fn):
        result, count = counted(fn)
        queries[name].append(count)
        return result

    elapsed = []
    for n in range(cases):
        spec = household(rng, ids, village, n)
        elapsed.append(one_case(spec, caseworker, observer))
    return LifecycleResult(
        cases=cases,
        ms_per_case=statistics.median(elapsed) * 1000,
        queries_per_step={k: statistics.median(v) for k, v in queries.items()},
    )
