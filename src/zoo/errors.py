"""Errors a user can fix; the command-line scripts print their message without a traceback."""


class ZooError(Exception):
    """Base of errors caused by input or configuration, with a message saying the fix."""


class DataError(ZooError):
    """A data file is missing, corrupt or malformed."""


class ConfigError(ZooError):
    """A configuration value or combination is invalid."""


class DiskFullError(ZooError):
    """The disk (or the user's quota) has no room for a file zoo writes (`zoo.files`)."""
