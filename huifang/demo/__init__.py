"""`huifang demo`: a centre seeded with a month of business, called back end to end.

`seed` posts the business (units, depositors, withdrawals, loans), `scoring` adds the monthly
ballots and an inspection, `run` starts the emulator, workers and the dashboard.
"""
