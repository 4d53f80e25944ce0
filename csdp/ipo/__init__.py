"""BSE public offerings (seed 002): the set-based allocation engine (`csdp.ipo.engine`) and its runners."""
