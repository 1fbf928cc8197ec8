"""Errors a researcher sees: one line that names the file, the line or field, and the fix."""


class PsyaiError(Exception):
    """Base class for errors the `psyai` command reports as one line and exit 1."""


class StimulusError(PsyaiError, ValueError):
    """A stimulus file is missing, unreadable or breaks the schema in docs/DATA.md."""


class SessionError(PsyaiError, ValueError):
    """A participant ID, session number or session folder cannot be used."""


class DataError(PsyaiError, ValueError):
    """A data folder or log file does not match the schema in docs/DATA.md."""


class StorageError(PsyaiError, OSError):
    """Data could not be written (a full disk, a read-only folder); what was already saved is intact."""
