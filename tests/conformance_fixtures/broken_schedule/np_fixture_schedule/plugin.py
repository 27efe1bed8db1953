"""A deliberately broken plugin for the conformance suite's own tests (see ../README.md): three
learning-rate schedules, each breaking one property."""
from neuropil.base.schedule import LearningRateSchedule
from neuropil.plugin_system.hookspecs import hookimpl


class OvershootingDecay(LearningRateSchedule):
    """Linear decay that forgets to stop at zero: negative rates after 100 steps."""

    def __call__(self, step):
        return 0.1 - 0.001 * step  # the bug: no max(..., 0)

    def get_config(self):
        return {}


class CountingDecay(LearningRateSchedule):
    """Halves the rate on every call instead of deriving it from the step."""

    def __init__(self):
        self.calls = 0

    def __call__(self, step):
        self.calls += 1  # the bug: state kept between calls
        return 0.1 * 0.5 ** self.calls

    def get_config(self):
        return {}


class ForgetfulDecay(LearningRateSchedule):
    """Exponential decay whose config leaves out the decay rate."""

    def __init__(self, decay_rate=0.5):
        self.decay_rate = decay_rate

    def __call__(self, step):
        return 0.1 * self.decay_rate ** (step / 10)

    def get_config(self):
        return {}  # the bug: decay_rate is lost on saving

    example_configs = ({"decay_rate": 0.9},)


@hookimpl
def neuropil_register_schedules(register):
    register("overshooting_decay", OvershootingDecay)
    register("counting_decay", CountingDecay)
    register("forgetful_decay", ForgetfulDecay)
