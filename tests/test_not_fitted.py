"""Every trainable class raises the one NotFittedError (embedlab.errors) when used before fit."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import EmbedlabError, NotFittedError
from embedlab.static import Doc2Vec, GloVe, Word2Vec
from embedlab.text import OneHotEncoder, Vocabulary
from embedlab.viz.projection import PCA

UNFITTED_USES = {
    "Word2Vec.wv": lambda: Word2Vec().wv,
    "Word2Vec.save": lambda: Word2Vec().save("unused.txt"),
    "GloVe.wv": lambda: GloVe().wv,
    "Doc2Vec.infer_vector": lambda: Doc2Vec().infer_vector("a few words"),
    "Doc2Vec.wv": lambda: Doc2Vec().wv,
    "Vocabulary.words": lambda: Vocabulary().words,
    "Vocabulary.encode": lambda: Vocabulary().encode(["a"]),
    "OneHotEncoder.transform": lambda: OneHotEncoder().transform(["a"]),
    "PCA.transform": lambda: PCA().transform(np.ones((2, 3))),
}


@pytest.mark.parametrize("use", sorted(UNFITTED_USES))
def test_use_before_fit_is_not_fitted_error(use) -> None:
    with pytest.raises(NotFittedError, match="fit") as info:
        UNFITTED_USES[use]()
    # an EmbedlabError (the CLI's one-line errors), a ValueError and an AttributeError as
    # scikit-learn's NotFittedError is
    assert isinstance(info.value, EmbedlabError)
    assert isinstance(info.value, ValueError) and isinstance(info.value, AttributeError)


def test_the_old_home_is_the_same_class() -> None:
    from embedlab.text import NotFittedError as from_text

    assert from_text is NotFittedError
