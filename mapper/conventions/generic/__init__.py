"""Built-ins and transforms every mapping may use, whatever its format."""

from mapper.conventions.generic import common

__all__ = ["common"]
