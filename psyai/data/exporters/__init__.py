"""Exporters to the formats other tools read (one module per kind; see :mod:`psyai.data.importing`)."""
