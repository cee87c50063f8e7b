"""Names that moved to their own layer: the new homes, and the old paths for this release."""

from __future__ import annotations

import importlib
import json
import sys

import pytest

from embedlab.eval.base import EvalError


def test_static_encoder_lives_in_encoders() -> None:
    import embedlab
    from embedlab.encoders import StaticEncoder
    from embedlab.encoders.static import StaticEncoder as direct

    assert StaticEncoder is direct is embedlab.StaticEncoder
    assert StaticEncoder.__module__ == "embedlab.encoders.static"


def test_old_static_encoder_paths_warn_and_give_the_same_class() -> None:
    import embedlab.static
    from embedlab.encoders.static import StaticEncoder

    with pytest.warns(DeprecationWarning, match="embedlab.encoders.StaticEncoder"):
        assert embedlab.static.StaticEncoder is StaticEncoder
    sys.modules.pop("embedlab.static.encoder", None)
    with pytest.warns(DeprecationWarning, match="embedlab.encoders.static"):
        old = importlib.import_module("embedlab.static.encoder")
    assert old.StaticEncoder is StaticEncoder


def test_old_write_report_path_warns_and_gives_the_same_function() -> None:
    import embedlab.eval.report as old
    from embedlab.viz.report import write_report

    with pytest.warns(DeprecationWarning, match="embedlab.viz.report.write_report"):
        assert old.write_report is write_report
    with pytest.raises(AttributeError):
        _ = old.no_such_name


def _record(tmp_path, **extra):
    folder = tmp_path / "results" / "m"
    folder.mkdir(parents=True)
    (folder / "t.json").write_text(json.dumps({"main_score": 0.5, **extra}), encoding="utf-8")
    return tmp_path / "results"


def test_results_of_a_newer_format_are_refused(tmp_path) -> None:
    from embedlab.eval.results import FORMAT_VERSION, load_results

    results = _record(tmp_path, format_version=FORMAT_VERSION + 1)
    with pytest.raises(EvalError, match=f"format_version {FORMAT_VERSION + 1}, newer"):
        load_results(results)


@pytest.mark.parametrize("version", ["1", 0, True, None])
def test_results_with_a_bad_format_version_are_refused(tmp_path, version) -> None:
    from embedlab.eval.results import load_results

    with pytest.raises(EvalError, match="format_version must be a positive integer"):
        load_results(_record(tmp_path, format_version=version))


def test_results_by_hand_without_a_version_are_read(tmp_path) -> None:
    from embedlab.eval.results import load_results

    (record,) = load_results(_record(tmp_path))
    assert (record["model"], record["task"], record["main_score"]) == ("m", "t", 0.5)


def test_plot_errors_stay_plot_errors(tmp_path) -> None:
    from embedlab.viz.plots import PlotError, load_results

    with pytest.raises(PlotError, match="results folder not found"):
        load_results(tmp_path / "missing")


def test_word2vec_helpers_have_their_own_modules_and_the_old_names_still_work() -> None:
    import embedlab.static.word2vec as w2v
    from embedlab.static.blocks import BlockRunner, block_seed, plan_blocks
    from embedlab.static.huffman import huffman_tree
    from embedlab.static.sampling import negative_table, sample_thresholds

    assert (w2v.huffman_tree, w2v.negative_table, w2v.sample_thresholds, w2v.plan_blocks,
            w2v.block_seed) == (huffman_tree, negative_table, sample_thresholds, plan_blocks,
                                block_seed)
    with pytest.warns(DeprecationWarning, match="embedlab.static.blocks.BlockRunner"):
        assert w2v.Trainer is BlockRunner


def test_tokenizer_settings_and_vocab_folder_recipe_have_their_own_modules() -> None:
    from embedlab.tokenizers import tokenizer
    from embedlab.tokenizers.model_base import Model
    from embedlab.tokenizers.models import BPE, WordPiece
    from embedlab.tokenizers.padding import PaddingParams, TruncationParams

    assert tokenizer.PaddingParams is PaddingParams
    assert tokenizer.TruncationParams is TruncationParams
    assert issubclass(BPE, Model) and issubclass(WordPiece, Model)
    # the shared accessors come from the base class, not copies in each model
    assert BPE.token_to_id is Model.token_to_id is WordPiece.token_to_id
