"""The bottom of the spine: what every package's models and services use and
which imports nothing of the project — audited history (``history``), who is
acting (``context``), limited text fields (``fields``), masking of ID
numbers (``masking``) and checks of input at the edge (``edge``)."""
