"""The escalation programme's public module: what other programmes may call.

A programme that lets its cases be raised to 提级复审 / 一事一议 from one of its
own steps starts the escalation here; the decision comes back through the
spine's ``followup_decided`` signal. Nothing else of this package is for
other programmes (an import-linter contract keeps it so).
"""

from .services import escalation_start_for, open_escalation_of

__all__ = ["escalation_start_for", "open_escalation_of"]
