"""A member of staff at the browser: log in, open a step, submit its form."""


class Staff:
    def __init__(self, page, base, app="dibao"):
        self.page, self.base, self.app = page, base, app

    def login(self, username):
        page = self.page
        page.context.clear_cookies()
        page.goto(self.base + "/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", "demo1234")
        page.click("button[type=submit]")
        # the front page is the inbox of the first app the person may use
        page.wait_for_url("**/inbox/")

    def open_task(self, case, step):
        """Open the step of the case: from the inbox when it is already the
        user's (case continuity gives a case's town steps to the caseworker who
        accepted it), otherwise take it from the queue."""
        page = self.page
        page.goto(f"{self.base}/{self.app}/inbox/")
        mine = page.locator("tr", has_text=case).filter(has_text=step)
        if mine.count():
            mine.get_by_role("link", name=case).click()
            page.wait_for_url("**/execute/")
            return
        page.goto(f"{self.base}/{self.app}/queue/")
        page.locator("tr", has_text=case).filter(has_text=step).locator(
            "a.zz-button"
        ).click()
        page.wait_for_url("**/assign/")
        page.click("button[name=_continue]")
        page.wait_for_url("**/execute/")

    def submit(self):
        self.page.locator("form.zz-form .zz-actions button[type=submit]").last.click()
        self.page.wait_for_url(lambda url: "/execute/" not in url)
