from django.apps import AppConfig


class TestProgrammeConfig(AppConfig):
    name = "tests.testprogramme"
    label = "testprogramme"
    verbose_name = "回访（测试项目）"

    def site_viewsets(self):
        from workflows.core.viewsets import CaseAppViewset

        from .flows import VisitFlow
        from .pages import VisitDetailView, VisitListView

        class VisitAppViewset(CaseAppViewset):
            process_list_view_class = VisitListView
            process_detail_view_class = VisitDetailView
            start_node = "start"
            start_label = "登记回访"
            menu_title = "回访"

        return [VisitAppViewset(VisitFlow, icon="call", title="回访")]
