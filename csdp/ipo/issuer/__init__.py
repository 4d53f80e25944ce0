"""The issuer's part (seed 002 第二章): the T-1 share-registration application on the virtual counter and
the application after a failure or suspension (`counter_types`, §2.1.1, 第五章), and the T+2 余股 /
战略配售 / 网下 detail filings checked against the register (`detail_filings`, §2.1.2)."""
