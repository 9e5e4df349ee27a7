"""Knowledge base: folders, articles, versions, reading (issue 5)."""
