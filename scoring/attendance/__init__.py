"""集中考勤 — the centre's attendance of every member of staff, imported monthly from Excel."""
