"""Renderers: pure functions from config and articles to :class:`~feedhub.document.Document` bytes.

No I/O and no clock: the caller passes ``now`` and writes the documents.
"""
