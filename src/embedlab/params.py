"""``get_params`` and ``set_params`` as scikit-learn defines them, for trainable classes.

A trainable class's ``__init__`` stores each keyword argument verbatim under its own name
and does nothing else; defaults that depend on other arguments and all validation happen in
``fit``, and what ``fit`` learns ends in ``_``. Then the parameters are exactly the
``__init__`` arguments, which is what :class:`Params` reads.

Example:
    >>> class Model(Params):
    ...     def __init__(self, size: int = 3, seed: int = 1) -> None:
    ...         self.size = size
    ...         self.seed = seed
    >>> Model(size=5).get_params()
    {'size': 5, 'seed': 1}
    >>> Model().set_params(seed=7).seed
    7
"""

from __future__ import annotations

import inspect
from typing import Any, TypeVar

P = TypeVar("P", bound="Params")


class Params:
    """Mixin: the ``__init__`` keyword arguments as the object's parameters."""

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [name for name, p in signature.parameters.items()
                if name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The ``__init__`` arguments as stored (``deep`` is accepted for scikit-learn); a
        ``**kwargs`` argument (stored as a dict under its own name) gives its items too."""
        params = {name: getattr(self, name) for name in self._param_names()}
        for name, p in inspect.signature(type(self).__init__).parameters.items():
            if p.kind is p.VAR_KEYWORD:
                params.update(getattr(self, name))
        return params

    def set_params(self: P, **params: Any) -> P:
        """Set parameters by name (checked when ``fit`` runs); returns ``self``."""
        known = self._param_names()
        for name, value in params.items():
            if name not in known:
                raise ValueError(f"{type(self).__name__} has no parameter {name!r}; its "
                                 f"parameters are {', '.join(known)}")
            setattr(self, name, value)
        return self


def learned(name: str, doc: str) -> Any:
    """A read-only property for what ``fit`` learned as ``name_``, under its earlier name.

    >>> class Model(Params):
    ...     words = learned("words", "The words fit saw.")
    ...     def fit(self):
    ...         self.words_ = ["a"]
    ...         return self
    >>> Model().fit().words
    ['a']
    """
    return property(lambda self: getattr(self, name + "_"), doc=f"{doc} (``{name}_``)")
