"""litdigest: turns paper listings and contributed notes into a static digest site."""

__version__ = "0.1.0"
