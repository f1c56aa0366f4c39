"""The error raised when a taxonomy file is not valid."""


class TaxonomyError(ValueError):
    """The taxonomy file is not valid; the message names the file, section and key."""
