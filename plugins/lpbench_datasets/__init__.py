"""Built-in datasets. They register through the same hook third-party plugins use.

Classes are imported inside the hook (and torch inside their methods) so that importing this
package, which every ``lpbench`` command does, stays instant.
"""

from lpbench import hookimpl


@hookimpl
def register_datasets(register):
    from .digits import Digits
    from .mnist5k import MNIST5k
    from .synthetic import EightGaussians
    from .torchvision_sets import CIFAR10, MNIST, CelebA, FashionMNIST

    for cls in (EightGaussians, Digits, MNIST5k, MNIST, FashionMNIST, CIFAR10, CelebA):
        register(cls)
