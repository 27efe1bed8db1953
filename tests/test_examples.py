"""The README's demo: the seed program prints Keras-style lines and a loss near ln 2 (random data)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SEED = Path(__file__).resolve().parents[1] / "examples" / "seed_model.py"
EPOCH_LINE = re.compile(r"^313/313 \[={30}\] - \d+s \d+(us|ms)/step - loss: (\d\.\d{4})(.*)$")


def run_seed(*args: str) -> list[str]:
    out = subprocess.run([sys.executable, str(SEED), *args], capture_output=True, text=True, check=True,
                         timeout=300)
    assert out.stderr == ""  # no warnings, no plugin failures
    return out.stdout.splitlines()


def test_seed_program_prints_keras_lines_with_loss_near_ln2():
    lines = run_seed()
    assert "Epoch 1/2" in lines and "Epoch 2/2" in lines
    epochs = [m for m in map(EPOCH_LINE.match, lines) if m]
    assert len(epochs) == 2
    for match in epochs:
        assert abs(float(match.group(2)) - 0.693) < 0.01
        assert re.fullmatch(r" - accuracy: 0\.\d{4} - val_loss: 0\.\d{4} - val_accuracy: 0\.\d{4}", match.group(3))
    assert any(line.startswith("Total params: 3,489") for line in lines)


def test_seed_program_with_metrics_plugin_shows_all_four_per_epoch():
    lines = run_seed("--metrics", "accuracy", "precision", "recall", "auc")
    epochs = [m.group(3) for m in map(EPOCH_LINE.match, lines) if m]
    assert len(epochs) == 2
    for rest in epochs:
        names = re.findall(r" - (\w+): \d\.\d{4}", rest)
        assert names == ["accuracy", "precision", "recall", "auc",
                         "val_loss", "val_accuracy", "val_precision", "val_recall", "val_auc"]


def test_transfer_learning_example_reuses_pretrained_weights() -> None:
    """Pre-trained on digits 0-4, the network's features and weights carry over to 5-9: fine-tuning
    the loaded layers ends well above what their frozen features alone give."""
    script = SEED.parent / "transfer_learning.py"
    out = subprocess.run([sys.executable, str(script), "--quiet"], capture_output=True, text=True, check=True,
                         timeout=300)
    assert out.stderr == ""
    accuracy = {line[:32].strip(): float(line.rsplit(" ", 1)[1]) for line in out.stdout.splitlines()}
    assert list(accuracy) == ["pre-trained on 0-4", "features -> new model on 5-9",
                              "frozen body, new head on 5-9", "fine-tuned on 5-9"]
    assert accuracy["pre-trained on 0-4"] >= 0.95
    assert accuracy["features -> new model on 5-9"] >= 0.7  # far above chance (0.2): the features transfer
    assert accuracy["fine-tuned on 5-9"] >= 0.93
    assert accuracy["fine-tuned on 5-9"] > accuracy["frozen body, new head on 5-9"]
