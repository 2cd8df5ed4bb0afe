"""Pages of the people at an outlet: their own results (/my/results) and inbox (/my/inbox)."""
