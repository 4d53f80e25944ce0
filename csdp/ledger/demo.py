"""Demo world: see the seeder at the bottom of the module."""
