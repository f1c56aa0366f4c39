"""The analyst's desk: search, one article in full, and the HTML report, over the snapshot."""
