"""The evaluation task types, each with an in-memory constructor and a file format.

``TASK_CLASSES`` maps each type name of :data:`embedlab.eval.base.TASK_TYPES` to its
class, so a runner can load a user file with ``TASK_CLASSES["sts"].from_file(path)``.

Example:
    >>> sorted(TASK_CLASSES)[:3]
    ['analogy', 'bitext-mining', 'classification']
"""

from __future__ import annotations

from embedlab.eval.base import Task
from embedlab.eval.tasks.bitext import BitextMiningTask
from embedlab.eval.tasks.classification import ClassificationTask
from embedlab.eval.tasks.clustering import ClusteringTask
from embedlab.eval.tasks.docsim import DocSimilarityTask
from embedlab.eval.tasks.pair_classification import PairClassificationTask
from embedlab.eval.tasks.reranking import RerankingTask
from embedlab.eval.tasks.retrieval import RetrievalTask
from embedlab.eval.tasks.sts import STSTask
from embedlab.eval.tasks.summarization import SummarizationTask
from embedlab.eval.tasks.word import AnalogyTask, WordPairsTask

TASK_CLASSES: dict[str, type[Task]] = {
    "sts": STSTask,
    "classification": ClassificationTask,
    "clustering": ClusteringTask,
    "pair-classification": PairClassificationTask,
    "reranking": RerankingTask,
    "retrieval": RetrievalTask,
    "bitext-mining": BitextMiningTask,
    "summarization": SummarizationTask,
    "analogy": AnalogyTask,
    "word-pairs": WordPairsTask,
    "docsim": DocSimilarityTask,
}

__all__ = ["TASK_CLASSES", "AnalogyTask", "BitextMiningTask", "ClassificationTask",
           "ClusteringTask", "DocSimilarityTask", "PairClassificationTask", "RerankingTask",
           "RetrievalTask", "STSTask", "SummarizationTask", "WordPairsTask"]
