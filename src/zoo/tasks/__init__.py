"""Lightning modules that own loss, metrics, optimizer and logging; they receive a network."""

from zoo.tasks.classification import ClassificationTask
from zoo.tasks.forecasting import ForecastingTask, forecast_errors
from zoo.tasks.perceptron import PerceptronTask, perceptron_criterion, perceptron_rule

__all__ = [
    "ClassificationTask",
    "ForecastingTask",
    "forecast_errors",
    "PerceptronTask",
    "perceptron_criterion",
    "perceptron_rule",
]
