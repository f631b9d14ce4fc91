"""Lightning modules that own loss, metrics, optimizer and logging; they receive a network."""

from zoo.tasks.classification import ClassificationTask
from zoo.tasks.forecasting import ForecastingTask
from zoo.tasks.perceptron import PerceptronTask, perceptron_criterion, perceptron_rule

# every task by its class name, as checkpoints record it (`zoo_task`): the one list of tasks
TASKS = {task.__name__: task for task in (ClassificationTask, ForecastingTask, PerceptronTask)}

__all__ = [
    "ClassificationTask",
    "ForecastingTask",
    "PerceptronTask",
    "TASKS",
    "perceptron_criterion",
    "perceptron_rule",
]
