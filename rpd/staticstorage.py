"""Production static files: hashed names and compressed copies (whitenoise)."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    # rpd/init.js imports GOV.UK Frontend's ES module: without this, the import would
    # keep the unhashed name, which is not served with far-future caching.
    support_js_module_import_aggregation = True
