"""Keras-style callbacks. Callbacks are part of the training loop, not plugins: they see the model."""
from .backup_and_restore import BackupAndRestore
from .base import Callback, CallbackList
from .checkpoint import ModelCheckpoint
from .csv_logger import CSVLogger
from .early_stopping import EarlyStopping
from .history import History
from .lambda_callback import LambdaCallback
from .lr_scheduler import LearningRateScheduler
from .reduce_lr import ReduceLROnPlateau
from .terminate_on_nan import TerminateOnNaN

__all__ = ["Callback", "CallbackList", "History", "EarlyStopping", "ModelCheckpoint", "TerminateOnNaN",
           "LearningRateScheduler", "ReduceLROnPlateau", "CSVLogger", "BackupAndRestore", "LambdaCallback"]
