"""Records from the centre's own core system (核心业务系统): withdrawals and loans."""
