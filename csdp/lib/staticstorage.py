"""Production static files: WhiteNoise's compressed manifest storage (content hashes in file names),
without following ``sourceMappingURL`` comments — the npm bundles we ship (chart.js) point at source
maps that are not part of the package, and a missing map would fail collectstatic."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]  # whitenoise ships no types
    patterns = tuple(
        (extension, tuple(p for p in patterns if "sourceMappingURL" not in str(p)))
        for extension, patterns in CompressedManifestStaticFilesStorage.patterns
    )
