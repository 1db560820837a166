"""RPD: Resolving Professional Differences."""
