"""Replications for a class: kits an instructor hands out, students' data pooled and judged.

``psyai class new KIT DIR`` makes an assignment folder from a kit (:mod:`psyai.replication.kit`),
``psyai class collect`` pools the groups' session folders, ``psyai class power`` and
``psyai class report`` plan and judge (:mod:`psyai.replication.cli` wires the actions).
"""

from psyai.replication.kit import Kit, KitError, list_kits, load_kit

__all__ = ["Kit", "KitError", "list_kits", "load_kit"]
