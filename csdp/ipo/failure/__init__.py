"""Failure or suspension of an offering (seed 002 第五章): the stage it falls in and what follows
(`stop`, §5.1–§5.3), and the refunds of principal and interest it orders (`refunds`)."""
