"""End-of-day steps of the BSE public offering (seed 002 ch. 4, 附件1).

Each step is a pure function from tables to tables (csdp/ipo/engine) wrapped by a runner that loads
(COPY out), calls, writes (COPY in) and records the step in one transaction, so a step is idempotent
(a done step is not run again) and resumable (an interrupted step left nothing and runs again).
File publication is its own step: files are rebuilt from the database, byte-identical each time.
"""
