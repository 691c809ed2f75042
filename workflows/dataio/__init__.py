"""Data in and out: reading uploaded tables, the import framework.

Shared by every programme and never names one: a programme declares its own
import kinds (``workflows.dataio.kinds.register``) the way it declares its job
kinds.
"""
