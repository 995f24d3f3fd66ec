"""A model made of named torch modules: device moves and checkpoints follow from ``modules()``."""


class ModuleSet:
    """Mixin for models whose whole state is the nn.Modules that ``modules()`` names."""

    def modules(self) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    def to(self, device):
        self.device = device
        for m in self.modules().values():
            m.to(device)
        return self

    def state_dict(self):
        return {k: m.state_dict() for k, m in self.modules().items()}

    def load_state_dict(self, state):
        for k, m in self.modules().items():
            m.load_state_dict(state[k])
            m.eval()
