"""The built-in catalogues, one package per paper (``<paper_id>/__init__.py`` defines ``PAPER``).

Adding a paper: create ``proofs_check/papers/<paper_id>/`` and add its id to
:data:`BUILTIN`; a separately installed distribution registers instead through the entry
point group ``proofs_check.papers`` (see README).
"""

#: Paper ids in catalogue order.
BUILTIN = ("mobahi2020", "dong2019", "allenzhu_li2020", "borup2021", "pareek2024", "das2023")
