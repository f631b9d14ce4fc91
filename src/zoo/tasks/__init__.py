"""Lightning modules that own loss, metrics, optimizer and logging; they receive a network."""

from zoo.tasks.classification import ClassificationTask
from zoo.tasks.forecasting import ForecastingTask
from zoo.tasks.perceptron import PerceptronTask, perceptron_criterion, perceptron_rule

__all__ = [
    "ClassificationTask",
    "ForecastingTask",
    "PerceptronTask",
    "perceptron_criterion",
    "perceptron_rule",
]
