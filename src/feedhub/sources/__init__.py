"""Where articles come from besides feedhub's own NDJSON: article pages (:mod:`.html`) and the
WordPress REST API (:mod:`.wordpress`), fetched with :mod:`.fetch` and handed to ``feedhub
ingest``'s path by :mod:`._ingest`."""
