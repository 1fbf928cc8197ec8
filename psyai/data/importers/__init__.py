"""Importers of published data layouts (one module per kind; see :mod:`psyai.data.importing`)."""
