"""Train a zoo network: python scripts/train.py model=cnn [key=value ...]

The same as `zoo train`; --help says more.
"""

from zoo.commands.train import main

if __name__ == "__main__":
    main()
