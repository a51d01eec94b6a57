"""Long-running processes of Minnes: intake, rq jobs, delivery and the sweeper."""
